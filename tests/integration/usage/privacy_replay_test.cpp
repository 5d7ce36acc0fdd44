// End to end: a real capture replayed through the real agent with one of its TLS server
// names on a protected list (an extra list file from the configuration). The name must
// appear nowhere: not in the database file or its WAL, not in the logs (at debug level),
// not in `usage --json`. Its volume stays, under "protected".

#include <Poco/File.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

#include "common/canonical_json.h"
#include "tests/integration/agent/agent_helpers.h"

using namespace tillid;
using namespace tillid::test;

namespace {

bool containsIgnoringCase(const std::string& haystack, const std::string& needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != haystack.end();
}

struct Replayed {
  RunResult replay;
  RunResult usageJson;
  std::string databaseBytes;  // the database file and its WAL, as on disk
};

Replayed replayInto(const std::string& stateDir, const std::string& capture,
                    const std::vector<std::string>& settings) {
  std::vector<std::string> args{"replay", capture, "--set", "log.level=debug"};
  for (const auto& s : settings) args.insert(args.end(), {"--set", s});
  Replayed out;
  out.replay = agentCommand(stateDir, args);
  out.usageJson = agentCommand(stateDir, {"usage", "--json"});
  out.databaseBytes = readFile(stateDir + "/tillid.db") + readFile(stateDir + "/tillid.db-wal");
  return out;
}

}  // namespace

TEST_CASE("a protected destination from a real capture is stored nowhere by name",
          "[usage][privacy][replay]") {
  TempDir dir;
  // The capture under a neutral name, so that its file name cannot leak the site's.
  const std::string capture = dir.file("capture.pcap");
  writeFile(capture, readFile(pcapPath("facebook.pcap")));
  REQUIRE_FALSE(readFile(capture).empty());
  // tshark shows the TLS server names facebook.com and www.facebook.com in this capture.
  const std::string name = "facebook";

  // Control: without the list, the name is recorded (so the check below can fail).
  Poco::File(dir.file("control")).createDirectories();
  const Replayed control = replayInto(dir.file("control"), capture, {});
  REQUIRE(control.replay.exitCode == 0);
  REQUIRE(control.usageJson.exitCode == 0);
  CHECK(containsIgnoringCase(control.usageJson.out, "facebook.com"));
  CHECK(containsIgnoringCase(control.databaseBytes, "facebook.com"));

  writeFile(dir.file("local-list.txt"), "# added by the test\nfacebook.com\n");
  Poco::File(dir.file("state")).createDirectories();
  const Replayed guarded =
      replayInto(dir.file("state"), capture,
                 {"privacy.extra_protected_lists=[\"" + dir.file("local-list.txt") + "\"]"});
  INFO(guarded.replay.err);
  REQUIRE(guarded.replay.exitCode == 0);
  REQUIRE(guarded.usageJson.exitCode == 0);
  REQUIRE(guarded.databaseBytes.size() > 0);

  CHECK_FALSE(containsIgnoringCase(guarded.databaseBytes, name));
  CHECK_FALSE(containsIgnoringCase(guarded.replay.err, name));
  CHECK_FALSE(containsIgnoringCase(guarded.replay.out, name));
  CHECK_FALSE(containsIgnoringCase(guarded.usageJson.out, name));

  // The volume is kept under the marker: as much traffic as the control recorded.
  auto usage = parseJsonObject(guarded.usageJson.out);
  REQUIRE(usage.isOk());
  auto controlUsage = parseJsonObject(control.usageJson.out);
  REQUIRE(controlUsage.isOk());
  auto rows = (*usage)->getArray("rows");
  int64_t protectedBytes = 0;
  for (unsigned i = 0; i < rows->size(); ++i) {
    auto row = rows->getObject(i);
    if (row->getValue<std::string>("destination") == "protected") {
      CHECK(row->getValue<std::string>("service") == "protected");
      CHECK(row->getValue<std::string>("category") == "protected");
      protectedBytes += row->getValue<int64_t>("bytes_in") + row->getValue<int64_t>("bytes_out");
    }
  }
  CHECK(protectedBytes > 0);
  const auto totals = (*usage)->getObject("totals");
  const auto controlTotals = (*controlUsage)->getObject("totals");
  CHECK(totals->getValue<int64_t>("bytes_in") == controlTotals->getValue<int64_t>("bytes_in"));
  CHECK(totals->getValue<int64_t>("bytes_out") == controlTotals->getValue<int64_t>("bytes_out"));
}

TEST_CASE("without monitoring.effective_from a replayed capture records nothing",
          "[usage][privacy][replay]") {
  TempDir dir;
  const std::string state = dir.file("state");
  Poco::File(state).createDirectories();
  const std::vector<std::string> unset = {"--set", "monitoring.effective_from="};
  std::vector<std::string> replay = unset;
  replay.insert(replay.end(), {"replay", pcapPath("facebook.pcap")});
  const RunResult replayed = agentCommand(state, replay);
  INFO(replayed.err);
  REQUIRE(replayed.exitCode == 0);

  auto rows = openAgentDb(state).queryText("SELECT count(*) FROM usage_hourly");
  REQUIRE(rows.isOk());
  CHECK(rows->value_or("") == "0");

  std::vector<std::string> status = unset;
  status.push_back("status");
  const RunResult said = agentCommand(state, status);
  CHECK_THAT(said.out, Catch::Contains("monitoring:    no effective date set "
                                       "(monitoring.effective_from): nothing is recorded"));
}
