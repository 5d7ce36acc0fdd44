#pragma once
// A local stream socket whose server knows who is calling: the kernel's credentials of
// the connected peer, not anything the peer says. The running agent serves the
// employee's view (`tillid-agent my-data`) on one, so that each user sees only their own
// data without needing root or read access to the store.
// Protocol: the client sends one request line (at most 4 KiB, ending in '\n'), the
// server answers with bytes up to its close. A server too busy for the caller closes
// without a byte of answer; the client then asks again.
//
// Limits of the server, so that no local user can hold it: each connection has one
// deadline for reading its request and writing its answer (10 s from when a worker takes
// it, however slowly the bytes come); a few workers serve connections at once, at most
// two of them for the same account; at most 32 connections per account and 128 in all
// wait or are served, more are closed at once; the listen backlog is 128.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "platform/account_id.h"

namespace tillid::platform {

struct PeerCredentials {
  AccountId account;
  int64_t pid = 0;
  std::string userName;  // the account's name, or its id when it has none
};

class LocalSocketServer {
 public:
  // Called on the server's worker threads, for several connections at once.
  using Handler =
      std::function<std::string(const PeerCredentials& peer, const std::string& request)>;
  virtual ~LocalSocketServer() = default;  // stops
  // Stops accepting, finishes the connections in progress (each within its deadline, plus
  // the handler's time), closes those still waiting, removes the socket file.
  virtual void stop() = 0;
};

// Binds `path` (replacing a stale socket file, kConflict when another process still
// listens on it; its directory is created when missing, enterable by every local user and
// writable only by this service), makes it connectable by every local user (the handler
// decides what each caller may see) and serves on threads of its own.
Result<std::unique_ptr<LocalSocketServer>> listenLocalSocket(const std::string& path,
                                                             LocalSocketServer::Handler handler);

// Connects, sends `request` (a '\n' is appended) and returns the answer, all within
// `timeout`. While the server's backlog is full (EAGAIN), nothing listens on the socket
// file (ECONNREFUSED: the agent is restarting) or the server is busy for this caller, asks
// again after a growing pause (20 ms up to 500 ms), for at most 10 s or `timeout`.
// kUnavailable when nothing listens on `path` (or it stays busy).
Result<std::string> askLocalSocket(const std::string& path, const std::string& request,
                                   std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace tillid::platform
