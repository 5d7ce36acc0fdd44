#pragma once
// platform::DirectoryCache in memory: stop() returns whether the daemon was `running`
// and stops it. As the Linux one, a running daemon with no stop command is kUnavailable;
// a non-ok `failure` is returned instead (the stop command failed).

#include <string>
#include <vector>

#include "platform/directory_cache.h"

namespace tillid::test {

class FakeDirectoryCache final : public platform::DirectoryCache {
 public:
  Result<bool> stop(const std::string& stopCommand) override;

  bool running = false;
  Status failure;
  std::vector<std::string> commands;  // the stop commands run
};

}  // namespace tillid::test
