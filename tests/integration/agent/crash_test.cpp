// SIGKILL in the middle of writing loses nothing that was committed: a real agent
// writing health samples every few milliseconds is killed again and again.

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "store/store.h"
#include "tests/integration/agent/agent_helpers.h"

using namespace tillid::test;

namespace {

// Every committed health sample, as (id, time) pairs, read by a second process's view.
std::vector<std::pair<int64_t, std::string>> committedSamples(const std::string& state) {
  auto db = openAgentDb(state);
  auto stmt = db.prepare("SELECT id, time FROM health_samples ORDER BY id");
  REQUIRE(stmt.isOk());
  std::vector<std::pair<int64_t, std::string>> rows;
  for (;;) {
    auto row = stmt->step();
    REQUIRE(row.isOk());
    if (!*row) break;
    rows.emplace_back(stmt->int64(0), stmt->text(1));
  }
  return rows;
}

}  // namespace

TEST_CASE("SIGKILL while writing never loses committed data or breaks the chain",
          "[agent][crash]") {
  TempDir dir;
  const std::string state = dir.file("state");
  std::mt19937 random(20261125);
  std::vector<std::pair<int64_t, std::string>> seen;
  for (int round = 0; round < 12; ++round) {
    auto agent =
        startAgent(state, {"--set", "health.interval_ms=2", "--set", "store.batch_max_ms=3",
                           "--set", "health.keep_samples=1000000"});
    REQUIRE(agent->running());
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 60));
    const auto before = committedSamples(state);
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 15));
    agent->signal(SIGKILL);
    CHECK(agent->wait() == 128 + SIGKILL);

    const auto after = committedSamples(state);
    REQUIRE(after.size() >= before.size());
    for (size_t i = 0; i < before.size(); ++i) REQUIRE(after[i] == before[i]);
    REQUIRE(after.size() >= seen.size());
    for (size_t i = 0; i < seen.size(); ++i) REQUIRE(after[i] == seen[i]);
    seen = after;

    auto db = openAgentDb(state);
    REQUIRE(tillid::store::checkIntegrity(db).isOk());
    auto verify = agentCommand(state, {"audit", "verify"});
    INFO(verify.out << verify.err);
    REQUIRE(verify.exitCode == 0);
  }
  CHECK(seen.size() > 12);  // the agent really was writing when it was killed
  auto db = openAgentDb(state);
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='agent.start'") == "12");
}
