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
  auto processes = lister->list();
  REQUIRE(processes.isOk());
  bool found = false;
  for (const auto& p : *processes) {
    CHECK(p.pid > 0);
    CHECK(!p.name.empty());
    CHECK(!p.user.empty());
    if (p.pid == child.pid()) {
      found = true;
      CHECK(p.name == "sleep");
    }
  }
  CHECK(found);
}

}  // namespace
}  // namespace tillid::test
