// The InstanceLocks contract, run against every implementation: the Linux one (flock) on
// a file in a temporary directory, and the fake (tests/support/fakes/).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_instance_locks.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

TEST_CASE("instance locks contract: one holder at a time, named, released with the lock",
          "[platform][agent]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  std::shared_ptr<platform::InstanceLocks> locks = name == "linux"
                                                       ? platform::makePlatform("/").instanceLocks
                                                       : std::make_shared<FakeInstanceLocks>();
  const std::string path = dir.file("agent.lock");
  CHECK(!locks->holder(path));
  {
    auto first = locks->acquire(path);
    REQUIRE(first.isOk());
    CHECK(locks->holder(path) == static_cast<int>(::getpid()));
    auto second = locks->acquire(path);
    CHECK(second.status().code() == ErrorCode::kConflict);
    CHECK_THAT(second.status().message(), Catch::Contains(std::to_string(::getpid())));
  }
  CHECK(!locks->holder(path));
  CHECK(locks->acquire(path).isOk());
}

}  // namespace
}  // namespace tillid::test
