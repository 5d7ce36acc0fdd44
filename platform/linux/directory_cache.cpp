#include "platform/directory_cache.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace tillid::platform {
namespace {

constexpr auto kStopTimeout = std::chrono::seconds(10);

// Alive: in /proc and not a zombie (a zombie has exited and only waits for its parent).
bool alive(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return false;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("State:", 0) == 0) return line.find('Z') == std::string::npos;
  }
  return true;
}

}  // namespace

Result<bool> stopDirectoryCache(const std::string& rootPrefix, const std::string& stopCommand) {
  const std::string root = rootPrefix == "/" ? "" : rootPrefix;
  std::ifstream pidFile(root + "/run/sssd.pid");
  long pid = 0;
  if (!(pidFile >> pid) || pid <= 1 || !alive(pid)) return false;
  if (stopCommand.empty()) {
    return Status::error(ErrorCode::kUnavailable,
                         "sssd runs (pid " + std::to_string(pid) + ") and no stop command is set");
  }
  const int code = std::system(stopCommand.c_str());
  if (code == -1 || !WIFEXITED(code) || WEXITSTATUS(code) != 0) {
    return Status::error(ErrorCode::kInternal, "'" + stopCommand + "' failed");
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::error(ErrorCode::kUnavailable, "sssd (pid " + std::to_string(pid) +
                                                        ") still runs after '" + stopCommand + "'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace tillid::platform
