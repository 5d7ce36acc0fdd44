// The CommandRunner contract, run against every implementation: the Linux one (/bin/sh)
// and the fake (tests/support/fakes/), programmed with what the shell answers.

#include <catch2/catch.hpp>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_command_runner.h"

namespace tillid::test {
namespace {

TEST_CASE("command runner contract: the command's exit status is returned",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  std::shared_ptr<platform::CommandRunner> commands;
  if (name == "linux") {
    commands = platform::makePlatform("/").commands;
  } else {
    auto fake = std::make_shared<FakeCommandRunner>();
    fake->exitCodes = {{"exit 3", 3}, {"no-such-command-tillid", 127}};
    commands = fake;
  }
  CHECK(commands->run("true").value() == 0);
  CHECK(commands->run("exit 3").value() == 3);
  // A command the interpreter cannot find is its answer, not a failure to start.
  CHECK(commands->run("no-such-command-tillid").value() != 0);
}

}  // namespace
}  // namespace tillid::test
