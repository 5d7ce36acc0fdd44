#pragma once
// Which local program and user a flow belongs to: the usage log names the application
// ("firefox", "teams") and the user, never more of the process (no arguments, no paths).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tillid::platform {

// A flow's two ends, seen from this device.
struct SocketEndpoints {
  uint8_t ipVersion = 4;     // 4 or 6
  uint8_t protocol = 0;      // IP protocol number (6 TCP, 17 UDP, ...)
  std::string localAddress;  // printable, e.g. "10.0.0.5" or "2001:db8::1"
  uint16_t localPort = 0;
  std::string remoteAddress;
  uint16_t remotePort = 0;
};

struct SocketOwner {
  std::string application;  // executable name without directory, or "unknown"
  std::string user;         // the socket owner's user name (or its account id if unnamed)
};

class SocketOwnerResolver {
 public:
  virtual ~SocketOwnerResolver() = default;
  // The owner of the local socket of `flow` (TCP or UDP), or nullopt when it cannot be known: the
  // socket is gone, the flow is not the device's own (a replayed capture), or the OS refused.
  // Called once per new flow from the pipeline's thread; implementations cache.
  virtual std::optional<SocketOwner> lookup(const SocketEndpoints& flow) = 0;
};

// The operating system's resolver (Linux: sock_diag netlink and /proc).
std::unique_ptr<SocketOwnerResolver> makeSocketOwnerResolver();

}  // namespace tillid::platform
