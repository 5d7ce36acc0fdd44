#pragma once
// A local stream socket whose server knows who is calling: the kernel's credentials of
// the connected peer, not anything the peer says. The running agent serves the
// employee's view (`tillid-agent my-data`) on one, so that each user sees only their own
// data without needing root or read access to the store.
// Protocol: the client sends one request line (at most 4 KiB, ending in '\n'), the
// server answers with bytes up to its close.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/core/result.h"

namespace tillid::platform {

struct PeerCredentials {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t pid = 0;
  std::string userName;  // the account's name, or the uid in decimal when it has none
};

class LocalSocketServer {
 public:
  // Called on the server's thread, one connection at a time.
  using Handler = std::function<std::string(const PeerCredentials& peer,
                                            const std::string& request)>;
  virtual ~LocalSocketServer() = default;  // stops
  // Stops accepting, finishes the connection in progress, removes the socket file.
  virtual void stop() = 0;
};

// Binds `path` (replacing a stale socket file, kConflict when another process still
// listens on it; its directory is created 0755 when missing), makes it connectable by every local user (0666: the handler decides what
// each caller may see) and serves on a thread of its own.
Result<std::unique_ptr<LocalSocketServer>> listenLocalSocket(const std::string& path,
                                                             LocalSocketServer::Handler handler);

// Connects, sends `request` (a '\n' is appended) and returns the answer.
// kUnavailable when nothing listens on `path`.
Result<std::string> askLocalSocket(const std::string& path, const std::string& request,
                                   std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace tillid::platform
