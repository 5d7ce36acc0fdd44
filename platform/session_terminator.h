#pragma once
// Ending users' sessions: every process of the target accounts is asked to end (on Linux
// SIGTERM, so programs can close their files and sessions log out cleanly), and whatever is
// still alive after a grace period is killed, so no program of a leaving user can go on
// rewriting files while they are erased. The system's administrator account and the
// caller's own account are refused whatever the list says.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "platform/account_id.h"

namespace tillid::platform {

class SessionTerminator {
 public:
  virtual ~SessionTerminator() = default;
  struct Outcome {
    int terminated = 0;  // asked to end
    int killed = 0;      // still alive after the grace period, killed
  };
  // Asks the target users' processes to end, then kills those still alive after `grace`
  // (polled, so it returns as soon as all are gone).
  virtual Result<Outcome> terminate(std::chrono::milliseconds grace) = 0;
  // The target users' processes still alive (the step's verification wants 0).
  virtual Result<int> remaining() = 0;
};

// Processes are found under `procRoot` ("/proc" on a real Linux system). kInvalidArgument
// when `accounts` holds the administrator's, the caller's own, or an id this system does
// not use.
Result<std::unique_ptr<SessionTerminator>> makeSessionTerminator(
    std::string procRoot, const std::vector<AccountId>& accounts);

}  // namespace tillid::platform
