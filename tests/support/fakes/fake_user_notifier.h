#pragma once
// platform::UserNotifier in memory: records what each user would have been shown. Users
// listed in `loggedOut` have no session (kNotFound, as the Linux one says).

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "platform/user_notifier.h"

namespace tillid::test {

class FakeUserNotifier final : public platform::UserNotifier {
 public:
  Status notify(const platform::AccountId& account, const std::string& summary,
                const std::string& body) override;

  std::vector<std::string> shown() const;  // "<account id>: <summary>: <body>", in order

  std::set<platform::AccountId> loggedOut;  // set before use

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> shown_;  // GUARDED_BY(mutex_)
};

}  // namespace tillid::test
