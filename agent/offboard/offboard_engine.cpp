#include "agent/offboard/offboard_engine.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

#include "agent/offboard/run_status.h"
#include "agent/offboard/step_handler.h"
#include "agent/report/outbox.h"
#include "common/canonical_json.h"
#include "common/logging.h"
#include "common/time.h"

namespace tillid::offboard {
namespace {

std::string hex(const uint8_t* data, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

}  // namespace

Status startRun(store::Database& db, const OffboardSettings& settings, const AcceptedOrder& order,
                const std::string& databasePath) {
  auto accounts = platform::discoverAccounts(offboard::accountSources(settings));
  if (!accounts) return accounts.status();
  auto plan = buildPlan(settings, order.profile, *accounts, databasePath);
  if (!plan) return plan.status();
  RunRecord run;
  run.profile = order.profile;
  run.deviceId = order.deviceId;
  run.caseRef = order.caseRef;
  run.signer = order.signer;
  run.keyId = order.keyId;
  run.nonce = order.nonce;
  run.orderJson = order.orderJson;
  const auto now = WallClock::now();
  run.acceptedAt = formatTimestamp(now);
  run.reason = order.reason;
  run.noticeSeconds = order.noticeSeconds;
  run.noticeEndsAt = formatTimestamp(now + std::chrono::seconds(order.noticeSeconds));
  std::array<uint8_t, 40> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status::error(ErrorCode::kInternal, "no random bytes for the overwrite pattern");
  }
  run.patternKeyHex = hex(random.data(), 32);
  for (size_t i = 32; i < random.size(); ++i) run.sampleSeed = (run.sampleSeed << 8) | random[i];
  run.sampleSeed &= 0x7fffffffffffffffULL;  // stored as a signed SQLite integer
  return createRun(db, run, *plan);
}

std::unique_ptr<OffboardEngine> OffboardEngine::open(EngineSettings settings, store::Database db) {
  return std::unique_ptr<OffboardEngine>(new OffboardEngine(std::move(settings), std::move(db)));
}

Status OffboardEngine::run(const std::atomic<bool>* stop) {
  auto loaded = loadRun(db_);
  if (!loaded) return loaded.status();
  if (!loaded->has_value()) {
    return Status::error(ErrorCode::kNotFound, "no offboarding order has been accepted");
  }
  RunRecord run = **loaded;
  auto steps = loadSteps(db_);
  if (!steps) return steps.status();
  if (run.state == kRunCompleted) return Status::ok();
  const bool begun = std::any_of(steps->begin(), steps->end(),
                                 [](const StepRecord& s) { return s.state != kStepPending; });
  if (!begun) {
    if (Status noticed = awaitNotice(run, *steps, stop); !noticed) return noticed;
  }
  run.state = kRunRunning;
  TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
  StepContext context{
      settings_, db_, run, *steps, stop, [this](StepRecord& step, uint64_t done, uint64_t total) {
        progress(step, done, total);
      }};
  for (auto& step : *steps) {
    if (step.state == kStepVerified) continue;
    if (stop && stop->load()) return Status::error(ErrorCode::kUnavailable, "stopped");
    if (step.state != kStepDone) {
      // pending, an interrupted running step, or a failed step being retried.
      step.state = kStepRunning;
      step.error.clear();
      if (step.startedAt.empty()) step.startedAt = formatTimestamp(WallClock::now());
      TILLID_RETURN_IF_ERROR(save(step));
      progressStartMicros_ = 0;
      Status acted = stepHandler(step.step.kind).act(context, step);
      if (acted.code() == ErrorCode::kUnavailable && stop && stop->load()) return acted;
      if (!acted) {
        step.state = kStepFailed;
        step.error = acted.message();
        run.state = kRunFailed;
        TILLID_RETURN_IF_ERROR(saveStep(db_, step));
        TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
        report(true);
        return acted.withContext("step " + std::to_string(step.index) + " (" +
                                 stepKindName(step.step.kind) + " " + step.step.target + ")");
      }
      step.state = kStepDone;
      TILLID_RETURN_IF_ERROR(save(step));
    }
    progressStartMicros_ = 0;
    Status verified = stepHandler(step.step.kind).verify(context, step);
    step.finishedAt = formatTimestamp(WallClock::now());
    step.state = verified ? kStepVerified : kStepFailed;
    step.error = verified ? "" : verified.message();
    TILLID_RETURN_IF_ERROR(save(step));
    if (!verified) {
      run.state = kRunFailed;
      TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
      report(true);
      return verified.withContext("verifying step " + std::to_string(step.index) + " (" +
                                  stepKindName(step.step.kind) + " " + step.step.target + ")");
    }
  }
  run.state = kRunCompleted;
  run.finishedAt = formatTimestamp(WallClock::now());
  TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
  report(true);
  return Status::ok();
}

Status OffboardEngine::awaitNotice(RunRecord& run, const std::vector<StepRecord>& steps,
                                   const std::atomic<bool>* stop) {
  auto ends = parseTimestamp(run.noticeEndsAt);
  if (!ends) return ends.status();
  if (WallClock::now() >= *ends) return Status::ok();
  run.state = kRunNotice;
  TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
  report(true);
  auto accounts = settings_.platform.accounts({})->list();
  if (!accounts) return accounts.status();
  std::vector<std::string> leaving;
  for (const auto& s : steps) {
    if (s.step.kind == StepKind::kLockAccount) leaving.push_back(s.step.target);
  }
  const std::string body = "This device will be reset (case " + run.caseRef + ") from " +
                           run.noticeEndsAt +
                           ". Your account and files will then be erased: remove any "
                           "private files before then.";
  for (const auto& account : *accounts) {
    if (std::find(leaving.begin(), leaving.end(), account.name) == leaving.end()) continue;
    Status told =
        settings_.platform.userNotifier->notify(account.id, "Device reset announced", body);
    // A user who is not logged in is told by `tillid-agent my-data` and the collector's
    // order; the notice period runs regardless.
    logger("offboard")
        .notice("reset notice for " + account.name + ": " +
                (told ? std::string("shown") : told.message()));
  }
  while (WallClock::now() < *ends) {
    if (stop && stop->load()) return Status::error(ErrorCode::kUnavailable, "stopped");
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(200),
                                                                   *ends - WallClock::now()));
  }
  return Status::ok();
}

Status OffboardEngine::save(const StepRecord& step) {
  TILLID_RETURN_IF_ERROR(saveStep(db_, step));
  report(true);
  return Status::ok();
}

void OffboardEngine::report(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - reportedAt_ < settings_.progressReportInterval) return;
  reportedAt_ = now;
  auto run = loadRun(db_);
  auto steps = loadSteps(db_);
  if (!run || !run->has_value() || !steps) return;
  (void)report::Outbox::replaceWaiting(
      db_, report::RecordKind::kOffboardProgress,
      report::defaultPriority(report::RecordKind::kOffboardProgress),
      canonicalJson(runStatusJson(**run, *steps)));
}

void OffboardEngine::progress(StepRecord& step, uint64_t done, uint64_t total) {
  const int64_t now = toMicros(WallClock::now());
  if (progressStartMicros_ == 0 || static_cast<int64_t>(done) < step.progressDone) {
    progressStartMicros_ = now;
    progressStartBytes_ = static_cast<int64_t>(done);
  }
  step.progressDone = static_cast<int64_t>(done);
  step.progressTotal = static_cast<int64_t>(total);
  const int64_t elapsed = now - progressStartMicros_;
  if (elapsed > 0) {
    step.bytesPerSecond = static_cast<double>(step.progressDone - progressStartBytes_) * 1e6 /
                          static_cast<double>(elapsed);
  }
  if (now - progressSavedMicros_ >= 250000 || done == total) {
    progressSavedMicros_ = now;
    // A failed progress write only delays what status shows; the step goes on.
    (void)saveStep(db_, step);
    report(false);
  }
}

}  // namespace tillid::offboard
