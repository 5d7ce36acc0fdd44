#pragma once
// platform::SessionTerminator over processes in memory: each user (account id) has processes
// that end when asked (`polite`) and processes that ignore it (`stubborn`, ended only by
// killing). Terminators made by terminator() share the table and refuse the `refused`
// accounts (the administrator's, "0", and the caller's own), as the Linux one. Fault
// injection: `respawning` processes of a user come back after each of the next `respawns`
// terminates (a login racing the step); a non-ok `failure` is returned by terminate and
// remaining.

#include <map>
#include <memory>
#include <vector>

#include "platform/session_terminator.h"

namespace tillid::test {

class FakeSessions {
 public:
  Result<std::unique_ptr<platform::SessionTerminator>> terminator(
      const std::vector<platform::AccountId>& accounts);

  struct Processes {
    int polite = 0;
    int stubborn = 0;
    int respawning = 0;  // come back as polite ones after a terminate
    int respawns = 0;
  };
  std::map<platform::AccountId, Processes> users;
  Status failure;
  std::vector<platform::AccountId> refused;  // set by the constructor, as described above

  FakeSessions();
};

}  // namespace tillid::test
