// Once a reset order is accepted, the store takes no new records about people: the
// triggers of store::personalTableMigration on a real SQLite file, with every schema
// module migrated as the agent does.

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <thread>

#include "agent/offboard/offboard_engine.h"
#include "agent/offboard/offboard_store.h"
#include "agent/report/outbox.h"
#include "agent/service/schema.h"
#include "common/time.h"
#include "store/store.h"
#include "tests/support/fakes/fake_user_notifier.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using tillid::test::TempDir;

namespace {

int64_t count(store::Database& db, const std::string& sql) {
  auto text = db.queryText(sql);
  REQUIRE(text.isOk());
  return std::stoll(text->value());
}

int64_t personalRows(store::Database& db) {
  int64_t rows = 0;
  for (const std::string& source : offboard::personalRowSources()) {
    rows += count(db, "SELECT count(*) FROM " + source);
  }
  return rows;
}

// One row in each personal table and each kind of outbox record, with the statements the
// recording components use: upserts for usage (the second call adds to the first), Citrix
// sessions and flags, plain inserts for health samples and the outbox.
void recordEverything(store::Database& db) {
  REQUIRE(db.exec("INSERT INTO usage_hourly(hour, user, application, destination, service,"
                  " category, connections, bytes_in, bytes_out, active_seconds)"
                  " VALUES('2026-11-25T10', 'alice', 'firefox', 'dr.dk', 'HTTP', 'Web',"
                  " 1, 100, 10, 5)"
                  " ON CONFLICT(hour, user, application, destination, service, category)"
                  " DO UPDATE SET bytes_in = bytes_in + excluded.bytes_in")
              .isOk());
  REQUIRE(db.exec("INSERT INTO citrix_sessions(id, user, server, sources, start,"
                  " bytes_from_server, bytes_to_server, peak_mbps)"
                  " VALUES('s1', 'alice', '10.0.0.5', 'netstat', '2026-11-25T10:00:00Z', 1, 1, 1)"
                  " ON CONFLICT(id) DO UPDATE SET end = excluded.end")
              .isOk());
  REQUIRE(db.exec("INSERT INTO flags(id, user, kind, service, session_id, start, end,"
                  " duration_s, avg_mbps, peak_mbps, bytes, evidence, raised_at, state)"
                  " VALUES('f1', 'alice', 'heavy-streaming', 'YouTube', 's1', 'a', 'b', 600,"
                  " 5, 8, 1, '{}', 'c', 'open')"
                  " ON CONFLICT(id) DO UPDATE SET state = excluded.state")
              .isOk());
  REQUIRE(db.exec("INSERT INTO health_samples(time, rss_bytes, peak_rss_bytes, cpu_us)"
                  " VALUES('2026-11-25T10:00:00Z', 1, 1, 1)")
              .isOk());
  for (auto kind :
       {report::RecordKind::kUsage, report::RecordKind::kFlag, report::RecordKind::kAnchor,
        report::RecordKind::kCertificate, report::RecordKind::kOffboardProgress}) {
    REQUIRE(report::Outbox::enqueue(db, kind, report::defaultPriority(kind), "{}", WallClock::now())
                .isOk());
  }
}

// Creates the run as the agent does when it accepts an order.
void acceptRun(store::Database& db) {
  offboard::RunRecord run;
  run.deviceId = "dev-1";
  run.caseRef = "HR-1";
  run.signer = "Hanne HR";
  run.keyId = "k1";
  run.nonce = "n1";
  run.orderJson = "{}";
  run.acceptedAt = "2026-11-25T10:30:00Z";
  run.patternKeyHex = std::string(64, '0');
  REQUIRE(offboard::createRun(db, run, {}).isOk());
}

}  // namespace

TEST_CASE("after a reset is accepted the store records nothing about people", "[offboard][store]") {
  TempDir dir;
  auto opened = store::openStore(dir.file("agent.db"), agentSchemaModules());
  REQUIRE(opened.isOk());
  store::Database& db = opened->db;

  recordEverything(db);
  recordEverything(db);  // before acceptance: recorded, the upsert adds up
  const int64_t before = personalRows(db);
  // One usage row, session and flag each (upserted), two health samples, two outbox
  // records each of usage, flag and anchor.
  CHECK(before == 3 + 2 + 6);
  CHECK(count(db, "SELECT bytes_in FROM usage_hourly") == 200);

  acceptRun(db);
  recordEverything(db);
  // Nothing personal was added and the existing usage row did not grow: the run's erase
  // step deletes what was there, and nothing can come back after it.
  CHECK(personalRows(db) == before);
  CHECK(count(db, "SELECT bytes_in FROM usage_hourly") == 200);
  // The certificate and the run's progress still travel.
  CHECK(count(db, "SELECT count(*) FROM outbox WHERE kind = 'certificate'") == 3);
  CHECK(count(db, "SELECT count(*) FROM outbox WHERE kind = 'offboard-progress'") == 3);
}

TEST_CASE("the reset erases exactly the tables marked as holding records about people",
          "[offboard][store]") {
  TempDir dir;
  auto opened = store::openStore(dir.file("agent.db"), agentSchemaModules());
  REQUIRE(opened.isOk());
  auto marked = opened->db.prepare(
      "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
      " AND name LIKE 'personal_records_%'");
  REQUIRE(marked.isOk());
  std::set<std::string> tables;
  while (*marked->step()) tables.insert(marked->text(0));
  std::set<std::string> erased(offboard::kPersonalTables.begin(), offboard::kPersonalTables.end());
  erased.insert("outbox");
  CHECK(tables == erased);
}

namespace tillid::offboard {
namespace {

TEST_CASE("during the notice period the users are told and no step starts", "[offboard]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("root/etc"));
  test::writeFile(dir.file("root/etc/passwd"),
                  "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:A:/home/alice:/bin/bash\n");
  test::writeFile(dir.file("root/etc/shadow"), "root:x:1::::::\nalice:x:1::::::\n");
  test::writeFile(dir.file("root/etc/group"), "root:x:0:\nalice:x:1001:\n");
  OffboardSettings settings;
  settings.rootPrefix = dir.file("root");
  auto opened = store::openStore(dir.file("agent.db"), agentSchemaModules());
  REQUIRE(opened.isOk());
  AcceptedOrder order;
  order.caseRef = "HR-1";
  order.reason = "departure";
  order.noticeSeconds = 3;
  REQUIRE(startRun(opened->db, settings, order, dir.file("agent.db")).isOk());
  auto engineDb = store::openStore(dir.file("agent.db"), agentSchemaModules());
  REQUIRE(engineDb.isOk());
  // The real accounts of the test's tree; the notifier at the OS edge records what the
  // users would have been shown.
  auto notifier = std::make_shared<test::FakeUserNotifier>();
  EngineSettings engineSettings{settings, dir.file("state")};
  engineSettings.platform = platform::makePlatform(settings.rootPrefix);
  engineSettings.platform.userNotifier = notifier;
  auto engine = OffboardEngine::open(engineSettings, std::move(engineDb->db));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    stop = true;
  });
  const Status ran = engine->run(&stop);
  stopper.join();
  CHECK(ran.code() == ErrorCode::kUnavailable);
  const auto shown = notifier->shown();
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].rfind("1001: Device reset announced", 0) == 0);
  CHECK(shown[0].find("remove any private files") != std::string::npos);
  auto run = loadRun(opened->db);
  REQUIRE(run.isOk());
  CHECK((**run).state == kRunNotice);
  auto steps = loadSteps(opened->db);
  REQUIRE(steps.isOk());
  for (const auto& s : *steps) CHECK(s.state == kStepPending);
}

}  // namespace
}  // namespace tillid::offboard
