// `tillid-agent usage` and `tillid-agent notice` run as real processes over a real store.

#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>

#include "agent/service/schema.h"
#include "agent/usage/usage_aggregator.h"
#include "common/canonical_json.h"
#include "common/time.h"
#include "store/store.h"
#include "tests/integration/agent/agent_helpers.h"

using namespace tillid;
using namespace tillid::test;

namespace {

usage::FlowInfo flowOf(const std::string& user, const std::string& application,
                       const std::string& destination, const std::string& service,
                       const std::string& category) {
  usage::FlowInfo info;
  info.user = user;
  info.application = application;
  info.destination = destination;
  info.service = service;
  info.category = category;
  return info;
}

usage::PacketEvent packet(const std::string& time, uint32_t bytes, bool fromDevice) {
  return {toMicros(*parseTimestamp(time)), bytes, fromDevice};
}

// Three rows in two hours, written the way the agent writes them.
void recordUsage(const std::string& stateDir) {
  auto opened = store::openStore(stateDir + "/tillid.db", agentSchemaModules());
  REQUIRE(opened.isOk());
  store::Writer writer(std::move(opened->db), {});
  auto privacy = usage::PrivacyFilter::fromLists(usage::builtInProtectedLists(), int64_t{0});
  REQUIRE(privacy.isOk());
  usage::UsageAggregator aggregator(writer, *privacy, std::chrono::seconds(3600));
  const auto dr = flowOf("anna", "firefox", "dr.dk", "TLS", "Web");
  const auto teams = flowOf("bo", "teams", "microsoft.com", "Teams", "VoIP");
  aggregator.onPacket(1, dr, packet("2026-11-25T10:15:00Z", 100, true));
  aggregator.onPacket(1, dr, packet("2026-11-25T10:15:01Z", 1000, false));
  aggregator.onFlowEnd(1, dr, toMicros(*parseTimestamp("2026-11-25T10:15:02Z")));
  aggregator.onPacket(2, dr, packet("2026-11-25T11:20:00Z", 300, true));
  aggregator.onPacket(2, dr, packet("2026-11-25T11:20:00Z", 3000, false));
  aggregator.onPacket(3, teams, packet("2026-11-25T11:30:00Z", 2000, true));
  aggregator.onPacket(3, teams, packet("2026-11-25T11:30:01Z", 2000, false));
  aggregator.flush();
  REQUIRE(writer.flush().isOk());
}

Poco::JSON::Object::Ptr json(const RunResult& run) {
  INFO(run.err);
  REQUIRE(run.exitCode == 0);
  auto parsed = parseJsonObject(run.out);
  REQUIRE(parsed.isOk());
  return *parsed;
}

}  // namespace

TEST_CASE("usage prints the recorded rows as JSON, filtered by time", "[usage][cli]") {
  TempDir dir;
  recordUsage(dir.path());

  auto all = json(agentCommand(dir.path(), {"usage", "--json"}));
  auto rows = all->getArray("rows");
  REQUIRE(rows->size() == 3);
  auto first = rows->getObject(0);
  CHECK(first->getValue<std::string>("hour") == "2026-11-25T10:00:00Z");
  CHECK(first->getValue<std::string>("user") == "anna");
  CHECK(first->getValue<std::string>("application") == "firefox");
  CHECK(first->getValue<std::string>("destination") == "dr.dk");
  CHECK(first->getValue<int64_t>("connections") == 1);
  CHECK(first->getValue<int64_t>("bytes_in") == 1000);
  CHECK(first->getValue<int64_t>("bytes_out") == 100);
  CHECK(first->getValue<int64_t>("active_seconds") == 2);
  CHECK(all->getObject("totals")->getValue<int64_t>("bytes_in") == 6000);
  CHECK(all->getObject("totals")->getValue<int64_t>("bytes_out") == 2400);

  auto since =
      json(agentCommand(dir.path(), {"usage", "--json", "--since", "2026-11-25T11:00:00Z"}));
  CHECK(since->getArray("rows")->size() == 2);
  // --since inside an hour includes that hour's row.
  auto within =
      json(agentCommand(dir.path(), {"usage", "--json", "--since", "2026-11-25T11:45:00Z"}));
  CHECK(within->getArray("rows")->size() == 2);
  auto until =
      json(agentCommand(dir.path(), {"usage", "--json", "--until", "2026-11-25T11:00:00Z"}));
  REQUIRE(until->getArray("rows")->size() == 1);
  CHECK(until->getArray("rows")->getObject(0)->getValue<std::string>("hour") ==
        "2026-11-25T10:00:00Z");
  auto none = json(agentCommand(dir.path(), {"usage", "--json", "--since", "2026-11-26"}));
  CHECK(none->getArray("rows")->size() == 0);
}

TEST_CASE("usage sums by a field, largest first", "[usage][cli]") {
  TempDir dir;
  recordUsage(dir.path());
  auto byDestination = json(agentCommand(dir.path(), {"usage", "--json", "--by", "destination"}));
  auto rows = byDestination->getArray("rows");
  REQUIRE(rows->size() == 2);
  CHECK(rows->getObject(0)->getValue<std::string>("destination") == "dr.dk");
  CHECK(rows->getObject(0)->getValue<int64_t>("connections") == 2);
  CHECK(rows->getObject(0)->getValue<int64_t>("bytes_in") == 4000);
  CHECK(rows->getObject(0)->getValue<int64_t>("bytes_out") == 400);
  CHECK(rows->getObject(1)->getValue<std::string>("destination") == "microsoft.com");
  CHECK_FALSE(rows->getObject(0)->has("user"));

  const RunResult table = agentCommand(dir.path(), {"usage", "--by", "application"});
  REQUIRE(table.exitCode == 0);
  CHECK_THAT(table.out, Catch::StartsWith("application  connections  bytes_in"));
  CHECK_THAT(table.out, Catch::Contains("firefox"));
  CHECK_THAT(table.out, Catch::Contains("teams"));
  CHECK_THAT(table.out, Catch::Matches("(.|\n)*total +3 +6000 +2400(.|\n)*"));
}

TEST_CASE("usage prints a readable table of every row", "[usage][cli]") {
  TempDir dir;
  recordUsage(dir.path());
  const RunResult table = agentCommand(dir.path(), {"usage"});
  REQUIRE(table.exitCode == 0);
  CHECK_THAT(table.out, Catch::Contains("hour"));
  CHECK_THAT(table.out,
             Catch::Matches("(.|\n)*2026-11-25T11:00:00Z +bo +teams +microsoft.com +Teams +VoIP +1 "
                            "+2000 +2000 +2\n(.|\n)*"));
}

TEST_CASE("usage refuses bad arguments and a missing store clearly", "[usage][cli]") {
  TempDir dir;
  const RunResult noStore = agentCommand(dir.path(), {"usage"});
  CHECK(noStore.exitCode == 1);
  CHECK_THAT(noStore.err, Catch::Contains("no database"));
  recordUsage(dir.path());
  const RunResult badBy = agentCommand(dir.path(), {"usage", "--by", "user"});
  CHECK(badBy.exitCode == 2);
  CHECK_THAT(badBy.err, Catch::Contains("--by user"));
  const RunResult badTime = agentCommand(dir.path(), {"usage", "--since", "yesterday"});
  CHECK(badTime.exitCode == 2);
  CHECK_THAT(badTime.err, Catch::Contains("--since"));
}

TEST_CASE("notice prints the employees' notice from the configuration", "[usage][cli]") {
  TempDir dir;
  const RunResult text = agentCommand(
      dir.path(), {"notice", "--set", "monitoring.effective_from=2026-12-01", "--set",
                   "retention.usage_days=90", "--set", "retention.flags_days=60", "--set",
                   "retention.sessions_days=30", "--set", "retention.security_log_days=365",
                   "--set", "offboard.notice_hours=48", "--set", "citrix.ica_video.start_mbps=3.5",
                   "--set", "notice.controller=Eksempel Kommune"});
  INFO(text.err);
  REQUIRE(text.exitCode == 0);
  CHECK_THAT(text.out, Catch::Contains("Dataansvarlig\n  Eksempel Kommune"));
  // Each kind's retention, the reset's notice period and the streaming threshold are the
  // configuration's.
  CHECK_THAT(text.out, Catch::Contains("internetbrug efter 90 dage"));
  CHECK_THAT(text.out, Catch::Contains("streamingmarkeringer efter 60 dage"));
  CHECK_THAT(text.out, Catch::Contains("Citrix-sessioner efter 30 dage"));
  CHECK_THAT(text.out, Catch::Contains("sikkerhedsloggen efter 365 dage"));
  CHECK_THAT(text.out, Catch::Contains("'tillid-agent my-data' 48 timer før"));
  CHECK_THAT(text.out, Catch::Contains("over 3,5 Mbit/s"));
  CHECK_THAT(text.out, Catch::Contains("2026-12-01. Før denne dato registreres intet."));
  CHECK_THAT(
      text.out,
      Catch::Contains("fagforeninger, sundhed, religion, politik, seksuel orientering, livssyn"));
  // Who sees what: spot checks without destinations, investigations with them, the
  // collector's copy, and every read shown to the employee.
  CHECK_THAT(text.out, Catch::Contains("aldrig destinationer"));
  CHECK_THAT(text.out, Catch::Contains("også destinationer og Citrix-sessioner"));
  CHECK_THAT(text.out, Catch::Contains("centrale server modtager en kopi"));
  CHECK_THAT(text.out, Catch::Contains("tillid-agent my-data"));
  CHECK(text.out.find("kun kategorier og mængder") == std::string::npos);

  const RunResult english = agentCommand(dir.path(), {"notice", "--lang", "en"});
  REQUIRE(english.exitCode == 0);
  CHECK_THAT(english.out, Catch::Contains(". Nothing is recorded before this date."));
  CHECK_THAT(english.out, Catch::Contains("internet use is deleted after 180 days"));
  CHECK_THAT(english.out, Catch::Contains("above 2.5 Mbit/s"));
  CHECK(agentCommand(dir.path(), {"notice", "--lang", "de"}).exitCode == 2);

  auto notice = json(runProgram(TILLID_AGENT_BIN, {"--state-dir", dir.path(), "notice", "--json"}));
  CHECK(notice->getObject("retention_days")->getValue<int64_t>("usage_days") == 180);
  CHECK(notice->getValue<std::string>("effective_from").empty());
  CHECK_THAT(notice->getValue<std::string>("in_effect"), Catch::Contains("der registreres intet"));
  for (const char* key : {"controller", "contact", "purpose", "legal_basis", "rights"}) {
    INFO(key);
    CHECK_FALSE(notice->getValue<std::string>(key).empty());
  }
  CHECK(notice->getArray("recorded")->size() == 7);
  CHECK(notice->getArray("who_sees_what")->size() == 5);
}
