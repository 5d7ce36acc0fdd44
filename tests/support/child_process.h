#pragma once
// A real child process for integration tests (agent, collector, admin CLI): started with
// arguments and environment, its stdout and stderr captured to files, stopped with a
// chosen signal. The destructor kills it if it is still running.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tillid::test {

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion (killed after `timeout`) and returns its output.
RunResult runProgram(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::seconds timeout = std::chrono::seconds(120),
                     const std::map<std::string, std::string>& env = {});

class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string out() const;
  std::string err() const;

 private:
  int pid_ = -1;
  int exitCode_ = -1;
  bool exited_ = false;
  std::string outPath_;
  std::string errPath_;
};

// Polls `condition` every 20 ms until it is true or `timeout` passes.
bool waitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace tillid::test
