// A directory user on a domain-joined device, through the real tillid-agent: known from
// SSSD's cache (with a cached password hash) and the owner of a home. The plan names the
// user, the signed order's run erases the home and the domain's cache, and leaves the
// kept IT account and the device's passwd alone.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/integration/offboard/offboard_fixture.h"
#include "tests/support/domain_user.h"
#include "tests/support/skip.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

TEST_CASE("a domain user's home and SSSD cached credentials are erased by a real run",
          "[offboard]") {
  std::string why;
  if (!canBuildDomainUser(why)) {
    ::tillid::test::skipTest(why);
  }
  OffboardDevice device;
  const std::string root = device.root();
  makeOwnedHome(root + "/home/dana", 1500000);
  writeSssdCache(root, "corp.example", "dana@corp.example", 1500000, "/home/dana",
                 "$6$salt$cachedhashofdana");
  const std::string cache = root + "/var/lib/sss/db/cache_corp.example.ldb";
  REQUIRE(readFile(cache).find("cachedhashofdana") != std::string::npos);

  // A process standing in for sssd, named by the pid file under the device's root; the
  // stop command ends it.
  ChildProcess sssd("/bin/sleep", {"600"});
  fs::create_directories(root + "/run");
  writeFile(root + "/run/sssd.pid", std::to_string(sssd.pid()) + "\n");
  device.sets.push_back("offboard.sssd_stop_command=kill " + std::to_string(sssd.pid()));

  auto plan = device.agent({"offboard", "plan"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exitCode == 0);
  CHECK(plan.out.find("end-sessions  alice, bob, dana@corp.example") != std::string::npos);
  CHECK(plan.out.find("erase-files  " + root + "/home/dana\n") != std::string::npos);
  CHECK(plan.out.find("erase-files  " + cache) != std::string::npos);
  CHECK(plan.out.find("SSSD cache of domain corp.example") != std::string::npos);
  CHECK(plan.out.find("lock-account  dana") == std::string::npos);
  CHECK(plan.out.find("svc-print") == std::string::npos);
  CHECK(fs::exists(cache));  // the plan is a dry run

  REQUIRE(
      device
          .agent({"offboard", "accept", "--order",
                  device.writeOrder("o.json", device.order("user-data", device.offboardingKey()))})
          .exitCode == 0);
  auto run = device.agent({"offboard", "execute"});
  INFO(run.err);
  REQUIRE(run.exitCode == 0);
  CHECK(stepsIn(device.database(), "verified") == stepCount(device.database()));
  CHECK(sssd.wait(std::chrono::seconds(1)) == 128 + SIGTERM);
  CHECK(device.agent({"offboard", "status", "--json"}).out.find("\"sssd_stopped_now\":true") !=
        std::string::npos);
  CHECK(!fs::exists(root + "/home/dana"));
  CHECK(!fs::exists(cache));
  CHECK(!fs::exists(root + "/var/lib/sss/db/timestamps_corp.example.ldb"));
  CHECK(fs::exists(root + "/var/lib/sss/db"));
  CHECK(readFile(root + "/home/it-admin/.ssh/id_ed25519") == "private key of it-admin");
  CHECK(readFile(root + "/etc/passwd").find("it-admin:x:1000") != std::string::npos);
}

}  // namespace
}  // namespace tillid::test
