#include "agent/usage/retention.h"

#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>

#include "agent/audit/audit_log.h"
#include "agent/core/agent_config.h"
#include "agent/core/canonical_json.h"
#include "agent/service/agent.h"
#include "agent/service/schema.h"
#include "agent/store/store.h"
#include "agent/usage/usage_aggregator.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::usage;
using tillid::test::TempDir;

namespace {

void insertRow(store::Database& db, const std::string& hour, const std::string& destination) {
  auto insert = db.prepare(
      "INSERT INTO usage_hourly(hour, user, application, destination, service, category,"
      " connections, bytes_in, bytes_out, active_seconds)"
      " VALUES(?1, 'anna', 'firefox', ?2, 'TLS', 'Web', 1, 100, 10, 1)");
  REQUIRE(insert.isOk());
  REQUIRE(insert->bind(1, hour).bind(2, destination).run().isOk());
}

std::vector<std::string> hours(store::Database& db) {
  auto select = db.prepare("SELECT hour FROM usage_hourly ORDER BY hour");
  REQUIRE(select.isOk());
  std::vector<std::string> out;
  while (*select->step()) out.push_back(select->text(0));
  return out;
}

std::vector<audit::Entry> retentionEntries(store::Database& db) {
  auto all = audit::entries(db);
  REQUIRE(all.isOk());
  std::vector<audit::Entry> out;
  for (const auto& e : *all) {
    if (e.action == "usage.retention") out.push_back(e);
  }
  return out;
}

// Rows on both sides of the limit: 180 days before 2026-11-25T16:30Z is 2026-05-29T16:30Z.
void insertAroundLimit(store::Database& db) {
  insertRow(db, "2026-01-01T00:00:00Z", "old.example");
  insertRow(db, "2026-05-29T15:00:00Z", "ended-before-limit.example");
  insertRow(db, "2026-05-29T16:00:00Z", "straddles-limit.example");
  insertRow(db, "2026-05-29T17:00:00Z", "after-limit.example");
  insertRow(db, "2026-11-25T16:00:00Z", "now.example");
}

}  // namespace

TEST_CASE("retention deletes exactly the expired rows and logs the count", "[usage][retention]") {
  TempDir dir;
  auto opened = store::openStore(dir.file("t.db"), {audit::auditSchema(), usageSchema()});
  REQUIRE(opened.isOk());
  store::Database& db = opened->db;
  insertAroundLimit(db);
  const TimePoint now = *parseTimestamp("2026-11-25T16:30:00Z");
  const RetentionRule rule{"usage", "usage_hourly", "hour", 180};

  {
    store::Transaction tx(db);
    auto deleted = applyRetention(db, rule, now);
    REQUIRE(deleted.isOk());
    CHECK(*deleted == 2);
    REQUIRE(tx.commit().isOk());
  }
  CHECK(hours(db) == std::vector<std::string>{"2026-05-29T16:00:00Z", "2026-05-29T17:00:00Z",
                                              "2026-11-25T16:00:00Z"});
  auto entries = retentionEntries(db);
  REQUIRE(entries.size() == 1);
  auto details = parseJsonObject(entries[0].details);
  REQUIRE(details.isOk());
  CHECK((*details)->getValue<int64_t>("deleted_rows") == 2);
  CHECK((*details)->getValue<int64_t>("keep_days") == 180);
  CHECK((*details)->getValue<std::string>("deleted_before") == "2026-05-29T16:00:00Z");
  // The log says how many, never what: no destination of a deleted row appears in it.
  CHECK(entries[0].details.find("example") == std::string::npos);

  // Nothing more to delete: no entry.
  {
    store::Transaction tx(db);
    auto deleted = applyRetention(db, rule, now);
    REQUIRE(deleted.isOk());
    CHECK(*deleted == 0);
    REQUIRE(tx.commit().isOk());
  }
  CHECK(retentionEntries(db).size() == 1);
  auto verification = audit::verify(db);
  REQUIRE(verification.isOk());
  CHECK_FALSE(verification->firstProblem.has_value());
}

TEST_CASE("the running agent applies retention.usage_days", "[usage][retention]") {
  TempDir dir;
  const StatePaths paths{dir.path()};
  const std::string today = hourLabel(toMicros(WallClock::now()));
  {
    auto opened = store::openStore(paths.database(), agentSchemaModules());
    REQUIRE(opened.isOk());
    insertRow(opened->db, "2020-01-01T00:00:00Z", "old.example");
    insertRow(opened->db, today, "now.example");
  }
  auto config = loadAgentConfig(std::nullopt, {"retention.usage_days=30", "health.interval_ms=0"});
  REQUIRE(config.isOk());
  {
    auto services = platform::makePlatform("/");
    services.serviceNotifier = nullptr;  // not run as a service
    auto agent = Agent::start(*config, paths, services);
    REQUIRE(agent.isOk());
    (*agent)->stop("test");
  }
  auto db = store::Database::open(paths.database(), store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  CHECK(hours(*db) == std::vector<std::string>{today});
  auto entries = retentionEntries(*db);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].actor == "agent");
  CHECK_THAT(entries[0].details, Catch::Contains("\"deleted_rows\":1"));
}
