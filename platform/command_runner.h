#pragma once
// Running a command line an administrator configured (the offboarding run's final command)
// through the system's command interpreter, and waiting for it to end.

#include <memory>
#include <string>

#include "common/result.h"

namespace tillid::platform {

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // The command's exit status (0: it succeeded). kIo when it could not be started at all;
  // a command the interpreter cannot find is a non-zero status, as the interpreter says.
  virtual Result<int> run(const std::string& commandLine) = 0;
};

// Linux: `/bin/sh -c <commandLine>`, with the service's environment.
std::unique_ptr<CommandRunner> makeCommandRunner();

}  // namespace tillid::platform
