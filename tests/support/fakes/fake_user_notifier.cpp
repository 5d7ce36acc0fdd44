#include "tests/support/fakes/fake_user_notifier.h"

namespace tillid::test {

Status FakeUserNotifier::notify(const platform::AccountId& account, const std::string& summary,
                                const std::string& body) {
  if (loggedOut.count(account) != 0) {
    return Status::error(ErrorCode::kNotFound, account.value + " has no session");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  shown_.push_back(account.value + ": " + summary + ": " + body);
  return Status::ok();
}

std::vector<std::string> FakeUserNotifier::shown() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shown_;
}

}  // namespace tillid::test
