#include "tests/support/fakes/fake_directory_cache.h"

namespace tillid::test {

Result<bool> FakeDirectoryCache::stop(const std::string& stopCommand) {
  if (!running) return false;
  if (stopCommand.empty()) {
    return Status::error(ErrorCode::kUnavailable, "sssd runs and no stop command is set");
  }
  commands.push_back(stopCommand);
  if (!failure) return failure;
  running = false;
  return true;
}

}  // namespace tillid::test
