#include "tests/support/child_process.h"

#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  const std::string base = Poco::TemporaryFile::tempName(Poco::Path::temp());
  outPath_ = base + ".out";
  errPath_ = base + ".err";
  std::vector<std::string> argvStore{program};
  argvStore.insert(argvStore.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int out = ::open(outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    for (const auto& [key, value] : env) ::setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : argvStore) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  ::unlink(outPath_.c_str());
  ::unlink(errPath_.c_str());
}

bool ChildProcess::running() {
  if (exited_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    exitCode_ = decode(status);
    return false;
  }
  return true;
}

void ChildProcess::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  waitUntil([this] { return !running(); }, timeout);
  return exited_ ? exitCode_ : -1;
}

std::string ChildProcess::out() const {
  return readFile(outPath_);
}
std::string ChildProcess::err() const {
  return readFile(errPath_);
}

RunResult runProgram(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::seconds timeout, const std::map<std::string, std::string>& env) {
  ChildProcess child(program, args, env);
  RunResult result;
  result.exitCode = child.wait(timeout);
  if (result.exitCode == -1) {
    child.signal(SIGKILL);
    child.wait();
  }
  result.out = child.out();
  result.err = child.err();
  return result;
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace tillid::test
