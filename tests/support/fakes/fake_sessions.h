#pragma once
// platform::SessionTerminator over processes in memory: each user (uid) has processes
// that end on SIGTERM (`polite`) and processes that ignore it (`stubborn`, ended only by
// SIGKILL). Terminators made by terminator() share the table and refuse uid 0 and the
// caller's own uid, as the Linux one. Fault injection: `respawning` processes of a uid
// come back after each of the next `respawns` terminates (a login racing the step); a
// non-ok `failure` is returned by terminate and remaining.

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "platform/session_terminator.h"

namespace tillid::test {

class FakeSessions {
 public:
  Result<std::unique_ptr<platform::SessionTerminator>> terminator(std::vector<uint32_t> uids);

  struct Processes {
    int polite = 0;
    int stubborn = 0;
    int respawning = 0;  // come back as polite ones after a terminate
    int respawns = 0;
  };
  std::map<uint32_t, Processes> users;
  Status failure;
};

}  // namespace tillid::test
