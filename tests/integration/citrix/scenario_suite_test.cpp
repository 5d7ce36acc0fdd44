// The labelled scenario suite (tests/scenarios/*.json) through the real agent: each
// scenario's capture is generated, replayed by `tillid-agent replay` (the usage pipeline
// with nDPI) and the flags it prints are scored against the scenario's expectations.

#include <Poco/DirectoryIterator.h>
#include <Poco/Path.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tools/scenario/scenario_score.h"
#include "tools/scenario/traffic_generator.h"

namespace tillid::test {
namespace {

std::vector<std::string> scenarioFiles() {
  std::vector<std::string> files;
  for (Poco::DirectoryIterator it(std::string(TILLID_SOURCE_DIR) + "/tests/scenarios");
       it != Poco::DirectoryIterator(); ++it) {
    if (it.path().getExtension() == "json") files.push_back(it.path().toString());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Default thresholds: a stream is flagged once it lasted 300 s, and at most a minute later.
constexpr double kMaxDelaySeconds = 300 + 60;

}  // namespace

TEST_CASE("every labelled scenario gets exactly the flags it expects", "[citrix][scenarios]") {
  const auto files = scenarioFiles();
  REQUIRE(files.size() >= 20);
  for (const auto& file : files) {
    const std::string name = Poco::Path(file).getBaseName();
    DYNAMIC_SECTION(name) {
      TempDir dir;
      auto scenario = scenario::loadScenario(file);
      REQUIRE(scenario.isOk());
      REQUIRE(scenario::writeCapture(*scenario, dir.file("s.pcap")).isOk());
      const std::vector<std::string> state = {
          "--state-dir",     dir.file("state"), "--set",
          "log.level=error", "--set",           "monitoring.effective_from=2000-01-01"};
      auto args = state;
      args.insert(args.end(), {"replay", dir.file("s.pcap")});
      const RunResult replay = runProgram(TILLID_AGENT_BIN, args);
      INFO(replay.err);
      REQUIRE(replay.exitCode == 0);
      args = state;
      args.insert(args.end(), {"flags", "--json"});
      const RunResult flags = runProgram(TILLID_AGENT_BIN, args);
      REQUIRE(flags.exitCode == 0);
      auto raised = scenario::parseFlags(flags.out);
      REQUIRE(raised.isOk());

      const scenario::Score score = scenario::scoreFlags(*scenario, *raised);
      for (const auto& problem : score.problems) UNSCOPED_INFO(problem);
      CHECK(score.problems.empty());
      CHECK(score.detected == score.expected);
      CHECK(score.rightFlags == score.flags);
      for (double delay : score.delaysS) CHECK(delay <= kMaxDelaySeconds);
    }
  }
}

}  // namespace tillid::test
