#pragma once
// Which local program and user a flow belongs to: the usage log names the application
// ("firefox", "teams") and the user, never more of the process (no arguments, no paths).

#include <memory>
#include <optional>
#include <string>

#include "agent/usage/flow.h"

namespace tillid::platform {

struct SocketOwner {
  std::string application;  // executable name without directory, or "unknown"
  std::string user;         // the socket owner's user name (or numeric uid if unnamed)
};

class SocketOwnerResolver {
 public:
  virtual ~SocketOwnerResolver() = default;
  // The owner of the local socket of `flow` (localAddress/localPort to
  // remoteAddress/remotePort, TCP or UDP), or nullopt when it cannot be known: the socket
  // is gone, the flow is not the device's own (a replayed capture), or the OS refused.
  // Called once per new flow from the pipeline's thread; implementations cache.
  virtual std::optional<SocketOwner> lookup(const usage::FlowInfo& flow) = 0;
};

// The operating system's resolver (Linux: sock_diag netlink and /proc).
std::unique_ptr<SocketOwnerResolver> makeSocketOwnerResolver();

}  // namespace tillid::platform
