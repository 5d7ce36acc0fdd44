#include "common/command_line.h"

#include <catch2/catch.hpp>

using namespace tillid;

namespace {
const std::vector<OptionSpec> kGlobal{{"config", "FILE", ""}, {"set", "K=V", ""}, {"json", "", ""}};
}

TEST_CASE("the command is the first word that is not an option or its value", "[cli]") {
  CHECK(findCommand({"--config", "a.json", "status"}, kGlobal) == "status");
  CHECK(findCommand({"--config=a.json", "audit", "verify"}, kGlobal) == "audit");
  CHECK_FALSE(findCommand({"--json"}, kGlobal).has_value());
}

TEST_CASE("options anywhere, both spellings, repeatable", "[cli]") {
  auto parsed =
      parseArgs({"--set", "a=1", "audit", "verify", "--set=b=2", "--json"}, kGlobal, "audit");
  REQUIRE(parsed.isOk());
  CHECK(parsed->words == std::vector<std::string>{"verify"});
  CHECK(parsed->values("set") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(parsed->has("json"));
  CHECK_FALSE(parsed->has("config"));
}

TEST_CASE("bad options are errors that say what to do", "[cli]") {
  auto unknown = parseArgs({"status", "--colour"}, kGlobal, "status");
  REQUIRE_FALSE(unknown.isOk());
  CHECK_THAT(unknown.status().message(),
             Catch::Contains("unknown option --colour") && Catch::Contains("'status'"));
  auto missing = parseArgs({"status", "--config"}, kGlobal, "status");
  REQUIRE_FALSE(missing.isOk());
  CHECK_THAT(missing.status().message(), Catch::Contains("needs a value"));
  auto flagValue = parseArgs({"status", "--json=yes"}, kGlobal, "status");
  REQUIRE_FALSE(flagValue.isOk());
}
