// offboard.executor "reset-service" (the packaged setting): the network-facing agent never
// carries out a reset itself. An accepted order leaves offboard.requested in the state
// directory (what tillid-reset.path waits for), the running agent writes it again when it
// is missing, and `offboard execute` (what tillid-reset.service runs) does the work and
// removes it.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/integration/offboard/offboard_fixture.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

TEST_CASE("with the reset service as executor the agent only requests the reset", "[offboard]") {
  OffboardDevice device({"offboard.executor=reset-service"});
  device.sets.push_back("employee_view.socket=" + device.dir().file("my-data.sock"));
  device.sets.push_back("log.level=information");
  const std::string request = device.state() + "/offboard.requested";
  const auto before = device.checksums();

  auto accepted = device.agent(
      {"offboard", "accept", "--order",
       device.writeOrder("o.json", device.order("user-data", device.offboardingKey()))});
  INFO(accepted.err);
  REQUIRE(accepted.exitCode == 0);
  CHECK(accepted.out.find("requested from tillid-reset.service") != std::string::npos);
  REQUIRE(fs::exists(request));
  CHECK(readFile(request).find("HR-2026-117") != std::string::npos);
  const int steps = stepCount(device.database());
  REQUIRE(steps > 3);

  // As after a crash between accepting and requesting: the agent requests it again at
  // start, and erases nothing while it runs.
  fs::remove(request);
  {
    ChildProcess agent(TILLID_AGENT_BIN, device.agentArgs({"run"}));
    REQUIRE(waitUntil([&] { return fs::exists(request); }));
    const bool started =
        waitUntil([&] { return agent.err().find("agent started") != std::string::npos; });
    INFO(agent.err());
    REQUIRE(started);
    agent.signal(SIGTERM);
    REQUIRE(agent.wait() == 0);
    CHECK(agent.err().find("offboarding requested from tillid-reset.service") != std::string::npos);
  }
  CHECK(stepsIn(device.database(), "pending") == steps);
  CHECK(device.checksums() == before);

  // The service's command carries it out and withdraws the request.
  auto executed = device.agent({"offboard", "execute"});
  INFO(executed.err);
  REQUIRE(executed.exitCode == 0);
  CHECK(stepsIn(device.database(), "verified") == steps);
  CHECK(!fs::exists(request));
  CHECK(!fs::exists(device.root() + "/home/alice"));
}

TEST_CASE("a reset request without an accepted order is dropped, not carried out", "[offboard]") {
  OffboardDevice device({"offboard.executor=reset-service"});
  const std::string request = device.state() + "/offboard.requested";
  writeFile(request, "{}\n");
  const auto before = device.checksums();
  auto executed = device.agent({"offboard", "execute"});
  CHECK(executed.exitCode == 1);
  CHECK(executed.err.find("no offboarding order has been accepted") != std::string::npos);
  CHECK(!fs::exists(request));
  CHECK(device.checksums() == before);
}

}  // namespace
}  // namespace tillid::test
