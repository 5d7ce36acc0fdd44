// The UserNotifier contract, run against every implementation: the Linux one on a
// temporary runtime root, and the fake (tests/support/fakes/). Showing a notification in
// a real session needs a user's session bus, which no test here has.

#include <catch2/catch.hpp>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_user_notifier.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

TEST_CASE("user notifier contract: a user without a session is not found", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  std::shared_ptr<platform::UserNotifier> notifier;
  if (name == "linux") {
    notifier = platform::makePlatform(dir.path()).userNotifier;
  } else {
    auto fake = std::make_shared<FakeUserNotifier>();
    fake->loggedOut = {{"4242"}};
    notifier = fake;
  }
  CHECK(notifier->notify({"4242"}, "Device reset announced", "body").code() ==
        ErrorCode::kNotFound);
}

}  // namespace
}  // namespace tillid::test
