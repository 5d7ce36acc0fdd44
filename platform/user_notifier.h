#pragma once
// Telling a logged-in user something on their desktop: a notification shown in the user's
// own session (on Linux the freedesktop Notifications service on the user's session bus,
// reached by running `notify-send` as that user). Used to announce a device reset before it
// starts, so the user can remove private files.

#include <memory>
#include <string>

#include "common/result.h"
#include "platform/account_id.h"

namespace tillid::platform {

class UserNotifier {
 public:
  virtual ~UserNotifier() = default;
  // Shows `summary` and `body` in the sessions of `account`.
  // kNotFound when the user has no session to show it in (not logged in).
  virtual Status notify(const AccountId& account, const std::string& summary,
                        const std::string& body) = 0;
};

// `runtimeRoot` holds each user's runtime directory ("/run/user" on a real Linux system); a
// user is logged in when the session bus of their runtime directory exists, and the
// notification runs with the directory's owner and group.
std::unique_ptr<UserNotifier> makeUserNotifier(std::string runtimeRoot);

}  // namespace tillid::platform
