#pragma once
// The offboarding run and its steps in the agent's database (schema module "offboard"):
// one run per device life (an accepted order), each step with its state, progress,
// result and verification. Step states: pending -> running -> done (the action finished,
// its result recorded) -> verified (its verification ran and passed) | failed.
// Functions take the caller's connection; not thread-safe by themselves.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/offboard/offboard_plan.h"
#include "store/database.h"
#include "store/migrations.h"

namespace tillid::offboard {

store::SchemaModule offboardSchema();

// The agent's tables of records about people besides the outbox (whose personal records
// are those not in report::kKindsKeptAfterReset): erased after the final upload and
// checked empty. Each is marked with store::personalTableMigration in its module.
inline constexpr std::array<const char*, 4> kPersonalTables = {"usage_hourly", "citrix_sessions",
                                                               "flags", "health_samples"};

// Where the personal rows are, as FROM clauses: each of kPersonalTables whole, and the
// outbox's personal records. erase-agent-data deletes from each and counts each back.
std::vector<std::string> personalRowSources();

inline constexpr const char* kStepPending = "pending";
inline constexpr const char* kStepRunning = "running";
inline constexpr const char* kStepDone = "done";
inline constexpr const char* kStepVerified = "verified";
inline constexpr const char* kStepFailed = "failed";

inline constexpr const char* kRunNotice = "notice";  // announced, waiting for the notice
inline constexpr const char* kRunRunning = "running";
inline constexpr const char* kRunFailed = "failed";
inline constexpr const char* kRunCompleted = "completed";

struct RunRecord {
  Profile profile = Profile::kUserData;
  std::string deviceId;
  std::string caseRef;
  std::string signer;  // the administrator whose key signed the order
  std::string keyId;   // that key's id
  std::string nonce;
  std::string orderJson;  // the signed order as received (canonical JSON)
  std::string acceptedAt;
  std::string patternKeyHex;  // the random overwrite pattern's AES key
  uint64_t sampleSeed = 0;
  std::string state = kRunRunning;
  std::string finishedAt;
  std::string certificate;           // the signed certificate (canonical JSON), once made
  std::string reason = "departure";  // the order's: departure | lost | stolen
  int64_t noticeSeconds = 0;         // the users are told this long before the reset starts
  std::string noticeEndsAt;          // acceptedAt + noticeSeconds: no step starts before
};

struct StepRecord {
  int index = 0;
  PlanStep step;
  std::string state = kStepPending;
  int64_t progressDone = 0;
  int64_t progressTotal = 0;
  double bytesPerSecond = 0;
  std::string startedAt;
  std::string finishedAt;
  std::string resultJson = "{}";        // what the action did
  std::string verificationJson = "{}";  // how it was checked, and the outcome
  std::string error;
};

// Records a new run with its plan and closes the store to personal records
// (store::closePersonalRecords): from here on nothing about people is recorded. kConflict
// when a run already exists: a device is offboarded once. REQUIRES: inside a transaction
// (a writer job), so all of it lands together.
Status createRun(store::Database& db, const RunRecord& run, const std::vector<PlanStep>& plan);
Result<std::optional<RunRecord>> loadRun(store::Database& db);
Result<std::vector<StepRecord>> loadSteps(store::Database& db);
// Writes the step's mutable fields (state, progress, times, result, verification, error).
Status saveStep(store::Database& db, const StepRecord& step);
Status saveRunOutcome(store::Database& db, const RunRecord& run);

}  // namespace tillid::offboard
