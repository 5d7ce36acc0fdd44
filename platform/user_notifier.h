#pragma once
// Telling a logged-in user something on their desktop: a notification shown in the
// user's own session (on Linux the freedesktop Notifications service on the user's session
// bus, reached by running `notify-send` as that user). Used to announce a device reset
// before it starts, so the user can remove private files.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace tillid::platform {

class UserNotifier {
 public:
  virtual ~UserNotifier() = default;
  // Shows `summary` and `body` in the sessions of `uid` (primary group `gid`).
  // kNotFound when the user has no session to show it in (not logged in).
  virtual Status notify(uint32_t uid, uint32_t gid, const std::string& summary,
                        const std::string& body) = 0;
};

// `runtimeRoot` holds each user's runtime directory ("/run/user" on a real system);
// a user is logged in when `<runtimeRoot>/<uid>/bus` exists.
std::unique_ptr<UserNotifier> makeUserNotifier(std::string runtimeRoot);

}  // namespace tillid::platform
