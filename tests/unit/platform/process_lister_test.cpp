// The Linux ProcessLister against the real /proc: it finds this test process by its
// executable name and owner, and a child started under another name.

#include "platform/process_lister.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/support/child_process.h"

namespace tillid::test {

TEST_CASE("the process lister sees running processes with name and owner", "[platform]") {
  auto lister = platform::makeProcessLister();
  ChildProcess sleeper("/bin/sleep", {"30"});
  REQUIRE(waitUntil([&] {
    auto listed = lister->list();
    return listed && std::any_of(listed->begin(), listed->end(), [&](const auto& p) {
             return p.pid == sleeper.pid() && p.name == "sleep";
           });
  }));
  auto listed = lister->list();
  REQUIRE(listed.isOk());
  auto self =
      std::find_if(listed->begin(), listed->end(), [](const auto& p) { return p.pid == getpid(); });
  REQUIRE(self != listed->end());
  CHECK(self->name == "citrix_test");
  const passwd* me = getpwuid(geteuid());
  REQUIRE(me != nullptr);
  CHECK(self->user == me->pw_name);
}

}  // namespace tillid::test
