#include "platform/command_runner.h"

#include <Poco/Exception.h>
#include <Poco/Process.h>

namespace tillid::platform {
namespace {

class ShellCommandRunner final : public CommandRunner {
 public:
  Result<int> run(const std::string& commandLine) override {
    try {
      Poco::ProcessHandle handle = Poco::Process::launch("/bin/sh", {"-c", commandLine});
      return handle.wait();
    } catch (const Poco::Exception& e) {
      return Status::error(ErrorCode::kIo, "cannot start /bin/sh: " + e.displayText());
    }
  }
};

}  // namespace

std::unique_ptr<CommandRunner> makeCommandRunner() {
  return std::make_unique<ShellCommandRunner>();
}

}  // namespace tillid::platform
