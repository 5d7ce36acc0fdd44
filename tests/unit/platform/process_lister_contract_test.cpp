// The ProcessLister contract, run against every implementation: the Linux one on this
// system's /proc with a child process the test starts, and the fake
// (tests/support/fakes/).

#include <catch2/catch.hpp>
#include <memory>

#include "platform/platform.h"
#include "tests/support/child_process.h"
#include "tests/support/fakes/fake_process_lister.h"

namespace tillid::test {
namespace {

TEST_CASE("process lister contract: a running program is listed with its name and owner",
          "[platform]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  ChildProcess child("/bin/sleep", {"600"});
  std::shared_ptr<platform::ProcessLister> lister;
  if (name == "linux") {
    lister = platform::makePlatform("/").processes;
  } else {
    auto fake = std::make_shared<FakeProcessLister>();
    fake->running = {{1, "init", "root"}, {child.pid(), "sleep", "anna"}};
    lister = fake;
  }
  // The child is listed once it runs the program (a fork not yet exec'd has its parent's
  // name).
  std::vector<platform::ProcessInfo> processes;
  auto listedAsSleep = [&] {
    auto listed = lister->list();
    REQUIRE(listed.isOk());
    processes = *listed;
    for (const auto& p : processes) {
      if (p.pid == child.pid()) return p.name == "sleep";
    }
    return false;
  };
  CHECK(waitUntil(listedAsSleep, std::chrono::seconds(10)));
  for (const auto& p : processes) {
    CHECK(p.pid > 0);
    CHECK(!p.name.empty());
    CHECK(!p.user.empty());
  }
}

}  // namespace
}  // namespace tillid::test
