#pragma once
// Ending users' sessions: every process whose real user is one of the target uids is
// asked to end (SIGTERM, so programs can close their files and sessions log out cleanly),
// and whatever is still alive after a grace period is killed (SIGKILL), so no program of
// a leaving user can go on rewriting files while they are erased. Processes are found under a proc
// directory ("/proc" on a real system). uid 0 and the caller's own uid are refused whatever the
// list says.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::platform {

class SessionTerminator {
 public:
  virtual ~SessionTerminator() = default;
  struct Outcome {
    int terminated = 0;  // sent SIGTERM
    int killed = 0;      // still alive after the grace period, sent SIGKILL
  };
  // SIGTERM to the target users' processes, then SIGKILL to those still alive after
  // `grace` (polled, so it returns as soon as all are gone).
  virtual Result<Outcome> terminate(std::chrono::milliseconds grace) = 0;
  // The target users' processes still alive (the step's verification wants 0).
  virtual Result<int> remaining() = 0;
};

// kInvalidArgument when `uids` holds 0 or the caller's uid.
Result<std::unique_ptr<SessionTerminator>> makeSessionTerminator(std::string procRoot,
                                                                 std::vector<uint32_t> uids);

}  // namespace tillid::platform
