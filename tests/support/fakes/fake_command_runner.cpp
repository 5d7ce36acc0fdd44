#include "tests/support/fakes/fake_command_runner.h"

namespace tillid::test {

Result<int> FakeCommandRunner::run(const std::string& commandLine) {
  if (!failure) return failure;
  std::lock_guard<std::mutex> lock(mutex_);
  ran_.push_back(commandLine);
  const auto found = exitCodes.find(commandLine);
  return found == exitCodes.end() ? 0 : found->second;
}

std::vector<std::string> FakeCommandRunner::ran() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ran_;
}

}  // namespace tillid::test
