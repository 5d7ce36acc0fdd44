#pragma once
// Carries out an accepted offboarding run step by step, resumably: each step's action is
// idempotent, its state is committed before and after it, and a step becomes `verified`
// only after its own verification ran and passed. After a crash or power cut, run() again
// resumes at the interrupted step (a block overwrite at its last checkpoint). Every
// destructive primitive gets an explicit target list built from the persisted plan.
// The engine keeps its own connection to the agent's database (WAL allows it beside the
// agent's writer) so that progress is visible to `offboard status` while it works.
// Not thread-safe: one thread runs it; stop may be set from any thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "agent/offboard/offboard_settings.h"
#include "agent/offboard/offboard_store.h"
#include "platform/platform.h"
#include "store/database.h"

namespace tillid::offboard {

struct EngineSettings {
  OffboardSettings offboard;
  std::string stateDir;  // the agent's state directory (device key, enrollment)
  // Wait in the certificate step until the collector acknowledged the certificate (the
  // running agent's uploader sends it). Always waited for, when enrolled, before a final
  // command: the final step is the only one allowed to report nothing.
  bool awaitCertificateUpload = true;
  // A snapshot of the run goes to the outbox ("offboard-progress", the latest replacing
  // any still waiting) at each step's change of state and, while a step moves bytes, at
  // most this often.
  std::chrono::milliseconds progressReportInterval{5000};
  // The OS services every step works through (accounts, sessions, erasers, devices, the
  // users' notifier), built by the program's main for offboard.rootPrefix.
  // REQUIRES: every member set (platform::makePlatform, or fakes in tests).
  platform::Platform platform = {};
};

class OffboardEngine final {
 public:
  // `db`: a connection of its own to the agent's migrated database (store::openStore).
  static std::unique_ptr<OffboardEngine> open(EngineSettings settings, store::Database db);

  // Runs or resumes the run until every step is verified (ok), a step fails (its error),
  // or *stop turns true (kUnavailable). kNotFound when no order was accepted.
  Status run(const std::atomic<bool>* stop = nullptr);

 private:
  OffboardEngine(EngineSettings settings, store::Database db)
      : settings_(std::move(settings)), db_(std::move(db)) {}

  // Before the first step: tells the leaving users when the reset starts and waits until
  // the notice period is over (kUnavailable when stopped first).
  Status awaitNotice(RunRecord& run, const std::vector<StepRecord>& steps,
                     const std::atomic<bool>* stop);
  // Saves progress at most every quarter second (and always at the end).
  void progress(StepRecord& step, uint64_t done, uint64_t total);
  // Saves the step's state and reports the run.
  Status save(const StepRecord& step);
  // Queues a snapshot of the run as saved for the collector; when not `force`, only if
  // the last one is older than the interval. A failure only delays what the collector
  // shows: the run goes on.
  void report(bool force);

  EngineSettings settings_;
  store::Database db_;
  int64_t progressSavedMicros_ = 0;
  int64_t progressStartMicros_ = 0;
  int64_t progressStartBytes_ = 0;
  std::chrono::steady_clock::time_point reportedAt_{};
};

// Starts a run for an accepted order: computes the plan for the accounts found now and
// persists run and plan together. kConflict when the device already has a run.
struct AcceptedOrder {
  Profile profile = Profile::kUserData;
  std::string deviceId;
  std::string caseRef;
  std::string signer;
  std::string keyId;
  std::string nonce;
  std::string orderJson;
  std::string reason = "departure";
  int64_t noticeSeconds = 0;
};
Status startRun(store::Database& db, const OffboardSettings& settings, const AcceptedOrder& order,
                const std::string& databasePath);

}  // namespace tillid::offboard
