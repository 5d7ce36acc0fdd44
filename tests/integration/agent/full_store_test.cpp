// A full store, for real: SQLite's size limit (PRAGMA max_page_count) makes the agent's
// writes fail with SQLITE_FULL as a full disk does, without root. The writes lost meanwhile
// are counted in `tillid-agent status` and in one security-log entry once the store can
// write again.

#include <catch2/catch.hpp>
#include <filesystem>

#include "agent/audit/audit_log.h"
#include "agent/service/schema.h"
#include "common/canonical_json.h"
#include "store/store.h"
#include "store/writer.h"
#include "tests/integration/agent/agent_helpers.h"

using namespace tillid;
using namespace tillid::test;

namespace {

// One usage row of about 64 KiB: far more than the store has room for.
store::Writer::Job largeRow(int n) {
  return [n](store::Database& db) -> Status {
    auto insert = db.prepare(
        "INSERT INTO usage_hourly (hour, user, application, destination, service, category)"
        " VALUES ('2026-11-20T10:00:00Z', 'alice', 'firefox', ?, 'TLS', 'Web')");
    if (!insert) return insert.status();
    return insert->bind(1, std::to_string(n) + std::string(64 << 10, 'x')).run();
  };
}

}  // namespace

TEST_CASE("writes lost to a full store show in status and in the security log", "[store][full]") {
  TempDir dir;
  const std::string stateDir = dir.file("state");
  std::filesystem::create_directory(stateDir);
  std::filesystem::permissions(stateDir, std::filesystem::perms::owner_all);
  auto opened = store::openStore(stateDir + "/tillid.db", agentSchemaModules());
  REQUIRE(opened);
  auto pages = opened->db.queryText("PRAGMA page_count");
  REQUIRE(pages);
  REQUIRE(opened->db.exec("PRAGMA max_page_count = " + std::to_string(std::stoll(**pages) + 4)));
  store::WriterOptions options{100, std::chrono::milliseconds(10), audit::recordLostWrites};
  store::Writer writer(std::move(opened->db), options);

  for (int i = 0; i < 13; ++i) writer.submit(largeRow(i));
  const Status lost = writer.flush();
  CHECK(!lost.isOk());
  CHECK(writer.stats().jobsLost == 13);
  CHECK(writer.stats().jobsFailed == 0);

  // Space returns: the next commit records the loss.
  writer.submit([](store::Database& db) { return db.exec("PRAGMA max_page_count = 1000000"); });
  writer.submit(largeRow(99));
  REQUIRE(writer.flush());
  writer.stop();

  const RunResult status = agentCommand(stateDir, {"status", "--json"});
  INFO(status.err);
  REQUIRE(status.exitCode == 3);  // no agent running on the directory (LSB status)
  auto facts = parseJsonObject(status.out);
  REQUIRE(facts);
  CHECK((*facts)->getValue<std::string>("lost_writes") == "13");
  CHECK((*facts)->getValue<std::string>("last_lost_write").find("full") != std::string::npos);
  const RunResult text = agentCommand(stateDir, {"status"});
  CHECK(text.out.find("lost writes:   13 (last ") != std::string::npos);

  auto db = openAgentDb(stateDir);
  auto entries = audit::entries(db);
  REQUIRE(entries);
  int found = 0;
  for (const auto& e : *entries) {
    if (e.action != "store.writes_lost") continue;
    ++found;
    auto details = parseJsonObject(e.details);
    REQUIRE(details);
    CHECK((*details)->getValue<int64_t>("count") == 13);
    CHECK((*details)->getValue<std::string>("error").find("full") != std::string::npos);
  }
  CHECK(found == 1);
  CHECK(queryText(db, "SELECT COUNT(*) FROM usage_hourly") == "1");
}
