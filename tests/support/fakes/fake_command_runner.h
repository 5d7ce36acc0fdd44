#pragma once
// platform::CommandRunner in memory: records each command line and answers with the exit
// status set for it in `exitCodes` (0 when none is set). Fault injection: a non-ok
// `failure` is returned as if the interpreter could not be started.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/command_runner.h"

namespace tillid::test {

class FakeCommandRunner final : public platform::CommandRunner {
 public:
  Result<int> run(const std::string& commandLine) override;

  std::vector<std::string> ran() const;  // in order

  std::map<std::string, int> exitCodes;  // set before use
  Status failure;                        // set before use

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> ran_;  // GUARDED_BY(mutex_)
};

}  // namespace tillid::test
