#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "agent/core/agent_config.h"
#include "common/canonical_json.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using tillid::test::TempDir;
using tillid::test::writeFile;

TEST_CASE("defaults load and are typed", "[config]") {
  auto config = loadAgentConfig(std::nullopt, {});
  REQUIRE(config.isOk());
  CHECK(config->string("log.target") == "stderr");
  CHECK(config->integer("store.batch_max_rows") == 500);
  CHECK(config->sourceFile().empty());
  CHECK_THROWS_AS(config->integer("log.target"), std::logic_error);
  CHECK_THROWS_AS(config->string("no.such.key"), std::logic_error);
}

TEST_CASE("a file overrides only the keys it names, comments allowed", "[config]") {
  TempDir dir;
  writeFile(dir.file("agent.json"),
            "// site settings\n{ \"log\": { \"level\": \"debug\" /* more */ },\n"
            "  \"store\": { \"batch_max_rows\": 7 } }\n");
  auto config = loadAgentConfig(dir.file("agent.json"), {});
  REQUIRE(config.isOk());
  CHECK(config->string("log.level") == "debug");
  CHECK(config->string("log.target") == "stderr");
  CHECK(config->integer("store.batch_max_rows") == 7);
  CHECK(config->sourceFile() == dir.file("agent.json"));
}

TEST_CASE("set overrides win over files, values parse as JSON scalars or stay text", "[config]") {
  TempDir dir;
  writeFile(dir.file("agent.json"), "{\"log\": {\"level\": \"debug\"}}");
  auto config =
      loadAgentConfig(dir.file("agent.json"), {"log.level=warning", "store.batch_max_ms=25"});
  REQUIRE(config.isOk());
  CHECK(config->string("log.level") == "warning");
  CHECK(config->integer("store.batch_max_ms") == 25);
}

TEST_CASE("validation names the source, the key path and the reason", "[config]") {
  TempDir dir;
  SECTION("unknown nested key in a file") {
    writeFile(dir.file("a.json"), "{\"store\": {\"batch_max_rowz\": 3}}");
    auto config = loadAgentConfig(dir.file("a.json"), {});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(), Catch::Contains(dir.file("a.json")) &&
                                              Catch::Contains("store.batch_max_rowz") &&
                                              Catch::Contains("unknown key"));
  }
  SECTION("wrong type") {
    writeFile(dir.file("a.json"), "{\"store\": {\"batch_max_rows\": \"many\"}}");
    auto config = loadAgentConfig(dir.file("a.json"), {});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(),
               Catch::Contains("store.batch_max_rows") && Catch::Contains("expected integer"));
  }
  SECTION("out of range") {
    auto config = loadAgentConfig(std::nullopt, {"store.batch_max_rows=0"});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(),
               Catch::Contains("store.batch_max_rows") && Catch::Contains("between 1 and"));
  }
  SECTION("not one of the allowed values") {
    auto config = loadAgentConfig(std::nullopt, {"log.target=printer"});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(), Catch::Contains("must be one of: stderr, syslog"));
  }
  SECTION("a whole section replaced by a scalar") {
    auto config = loadAgentConfig(std::nullopt, {"store=3"});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(), Catch::Contains("expected object"));
  }
  SECTION("malformed JSON") {
    writeFile(dir.file("a.json"), "{\"log\": ");
    auto config = loadAgentConfig(dir.file("a.json"), {});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(), Catch::Contains("invalid JSON"));
  }
  SECTION("missing file") {
    auto config = loadAgentConfig(dir.file("absent.json"), {});
    REQUIRE_FALSE(config.isOk());
    CHECK(config.status().code() == ErrorCode::kNotFound);
  }
  SECTION("--set without '='") {
    auto config = loadAgentConfig(std::nullopt, {"log.level"});
    REQUIRE_FALSE(config.isOk());
    CHECK_THAT(config.status().message(), Catch::Contains("expected key=value"));
  }
}

TEST_CASE("every key of the default file is documented by a comment", "[config]") {
  // A key is documented by a comment above it or above the group of adjacent keys it
  // belongs to (no blank line between), or by the comment above its enclosing object.
  // Section names themselves need no comment: their keys carry the documentation.
  std::istringstream lines(agentDefaultConfigText());
  std::string line;
  const std::regex objectKey("^\\s*\"([a-z_0-9]+)\"\\s*:\\s*\\{\\s*(\\})?");
  const std::regex leafKey("^\\s*\"([a-z_0-9]+)\"\\s*:");
  const std::regex blank("^\\s*$");
  const std::regex comment("^\\s*(//|/\\*)");
  std::vector<bool> objectDocumented{false};
  bool groupDocumented = false;
  std::vector<std::string> undocumented;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, blank)) {
      groupDocumented = false;
    } else if (std::regex_search(line, comment)) {
      groupDocumented = true;
    } else if (std::regex_search(line, m, objectKey)) {
      const bool documented = groupDocumented || objectDocumented.back();
      if (!m[2].matched) objectDocumented.push_back(documented);
      groupDocumented = false;
    } else if (std::regex_search(line, m, leafKey)) {
      if (!groupDocumented && !objectDocumented.back()) undocumented.push_back(m[1]);
    } else if (line.find('}') != std::string::npos && objectDocumented.size() > 1) {
      objectDocumented.pop_back();
      groupDocumented = false;
    }
  }
  INFO("undocumented keys: " << undocumented.size());
  for (const auto& k : undocumented) UNSCOPED_INFO(k);
  CHECK(undocumented.empty());
}

TEST_CASE("changed keys between two effective configurations", "[config]") {
  auto a = loadAgentConfig(std::nullopt, {});
  auto b = loadAgentConfig(std::nullopt, {"log.level=debug", "store.batch_max_ms=10"});
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  CHECK(Config::changedKeys(a->canonical(), b->canonical()) ==
        std::vector<std::string>{"log.level", "store.batch_max_ms"});
  CHECK(Config::changedKeys(a->canonical(), a->canonical()).empty());
}

TEST_CASE("canonical JSON sorts keys and escapes strings", "[config][json]") {
  Poco::JSON::Object::Ptr inner = new Poco::JSON::Object;
  inner->set("z", 1);
  inner->set("a", "x\"y\n");
  Poco::JSON::Object::Ptr outer = new Poco::JSON::Object;
  outer->set("b", inner);
  outer->set("a", true);
  outer->set("c", Poco::Dynamic::Var());
  CHECK(canonicalJson(outer) == "{\"a\":true,\"b\":{\"a\":\"x\\\"y\\n\",\"z\":1},\"c\":null}");
  auto parsed = parseJsonObject(canonicalJson(outer));
  REQUIRE(parsed.isOk());
  CHECK(canonicalJson(*parsed) == canonicalJson(outer));
}
