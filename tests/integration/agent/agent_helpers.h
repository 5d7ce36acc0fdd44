#pragma once
// Helpers for tests that run the real tillid-agent binary on a temporary state directory.

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "store/database.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {

// A past monitoring start, so that the tests' agents record (without one nothing is).
inline constexpr const char* kTestEffectiveFrom = "monitoring.effective_from=2000-01-01";

// The options that keep an agent inside the test's own files: its state directory, and
// its employee-view socket beside it rather than the packaged /run/tillid-agent. They also
// announce a past monitoring start.
inline std::vector<std::string> stateDirArgs(const std::string& stateDir) {
  return {"--state-dir", stateDir,          "--set", "employee_view.socket=" + stateDir + ".sock",
          "--set",       kTestEffectiveFrom};
}

inline std::vector<std::string> withStateDir(const std::string& stateDir,
                                             std::vector<std::string> args) {
  const auto own = stateDirArgs(stateDir);
  args.insert(args.begin(), own.begin(), own.end());
  return args;
}

// Runs `tillid-agent --state-dir DIR args...` to completion.
inline RunResult agentCommand(const std::string& stateDir, const std::vector<std::string>& args) {
  return runProgram(TILLID_AGENT_BIN, withStateDir(stateDir, args));
}

// True once the agent's store has its schema (the lock is taken before the migrations).
inline bool agentSchemaReady(const std::string& stateDir) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadOnly);
  if (!db) return false;
  auto tables = db->queryText("SELECT count(*) FROM sqlite_master WHERE name = 'usage_hourly'");
  return tables && tables->value_or("0") == "1";
}

// Starts `tillid-agent run` and waits until `status` reports it running with its store
// migrated.
inline std::unique_ptr<ChildProcess> startAgent(const std::string& stateDir,
                                                std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), "run");
  auto child = std::make_unique<ChildProcess>(TILLID_AGENT_BIN, withStateDir(stateDir, extra));
  waitUntil([&] {
    return (agentCommand(stateDir, {"status"}).exitCode == 0 && agentSchemaReady(stateDir)) ||
           !child->running();
  });
  return child;
}

// A read-only connection to the agent's database, as a second process would have.
inline store::Database openAgentDb(const std::string& stateDir) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadOnly);
  if (!db) throw std::runtime_error(db.status().message());
  return std::move(*db);
}

inline std::string queryText(store::Database& db, const std::string& sql) {
  auto text = db.queryText(sql);
  if (!text) throw std::runtime_error(text.status().message());
  return text->value_or("");
}

}  // namespace tillid::test
