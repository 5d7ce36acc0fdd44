#pragma once
// Linux socket owners: the kernel's sock_diag netlink interface (inet_diag) finds the
// socket of a 5-tuple with its inode and owner uid; a scan of /proc/<pid>/fd maps the
// inode to a process, whose executable names the application. The inode->process map is
// cached and rebuilt on a miss, at most once per `minRescanInterval`, so a burst of new
// flows costs one /proc scan. Seeing other users' processes needs root (the service runs
// as root); otherwise their flows get application "unknown" with the right user.
// Not thread-safe (one pipeline thread).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "platform/socket_owner_resolver.h"

namespace tillid::platform {

class SockDiagResolver final : public SocketOwnerResolver {
 public:
  explicit SockDiagResolver(
      std::chrono::milliseconds minRescanInterval = std::chrono::milliseconds(100));
  ~SockDiagResolver() override;
  SockDiagResolver(const SockDiagResolver&) = delete;
  SockDiagResolver& operator=(const SockDiagResolver&) = delete;

  std::optional<SocketOwner> lookup(const SocketEndpoints& flow) override;

  struct Socket {
    uint64_t inode = 0;  // 0: no process holds it any more (e.g. TIME_WAIT)
    uint32_t uid = 0;
  };

 private:
  std::optional<Socket> findSocket(const SocketEndpoints& flow);
  std::string applicationOf(uint64_t inode);
  void rescanProcesses();
  std::string userName(uint32_t uid);

  int netlink_ = -1;
  uint32_t sequence_ = 0;  // netlink request numbers, to drop late answers
  const std::chrono::milliseconds minRescanInterval_;
  std::chrono::steady_clock::time_point lastScan_{};
  bool scanned_ = false;
  std::unordered_map<uint64_t, int> processOfInode_;  // from the last /proc scan
  std::unordered_map<int, std::string> applicationOfPid_;
  std::unordered_map<uint32_t, std::string> userOfUid_;
};

}  // namespace tillid::platform
