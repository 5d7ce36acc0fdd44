#pragma once
// Which local process and user own a flow's socket (attribution of usage). Implemented
// per operating system in platform/<os>/; the pipeline writes "unknown" when lookup()
// returns nullopt (replayed captures, sockets already closed).

#include <memory>
#include <optional>
#include <string>

#include "agent/usage/flow.h"

namespace tillid::platform {

struct SocketOwner {
  std::string application;
  std::string user;
};

class SocketOwnerResolver {
 public:
  virtual ~SocketOwnerResolver() = default;
  virtual std::optional<SocketOwner> lookup(const usage::FlowInfo& flow) = 0;
};

std::unique_ptr<SocketOwnerResolver> makeSocketOwnerResolver();

}  // namespace tillid::platform
