#pragma once
// Ending users' sessions: every process whose real user is one of the target uids is
// killed (SIGKILL: a leaving user's programs get no chance to rewrite their files while
// they are being erased). Processes are found under a proc directory ("/proc" on a real
// system). uid 0 and the caller's own uid are refused whatever the list says.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/result.h"

namespace tillid::platform {

class SessionTerminator {
 public:
  virtual ~SessionTerminator() = default;
  // Kills the target users' processes; returns how many were signalled.
  virtual Result<int> terminate() = 0;
  // The target users' processes still alive (the step's verification wants 0).
  virtual Result<int> remaining() = 0;
};

// kInvalidArgument when `uids` holds 0 or the caller's uid.
Result<std::unique_ptr<SessionTerminator>> makeSessionTerminator(std::string procRoot,
                                                                 std::vector<uint32_t> uids);

}  // namespace tillid::platform
