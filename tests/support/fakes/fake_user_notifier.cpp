#include "tests/support/fakes/fake_user_notifier.h"

namespace tillid::test {

Status FakeUserNotifier::notify(uint32_t uid, uint32_t, const std::string& summary,
                                const std::string& body) {
  if (loggedOut.count(uid) != 0) {
    return Status::error(ErrorCode::kNotFound, "uid " + std::to_string(uid) + " has no session");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  shown_.push_back(std::to_string(uid) + ": " + summary + ": " + body);
  return Status::ok();
}

std::vector<std::string> FakeUserNotifier::shown() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shown_;
}

}  // namespace tillid::test
