#include "agent/offboard/offboard_engine.h"

#include <Poco/JSON/Object.h>
#include <Poco/Process.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/core/canonical_json.h"
#include "agent/core/logging.h"
#include "agent/core/time.h"
#include "agent/offboard/run_status.h"
#include "agent/offboard/sanitization_certificate.h"
#include "agent/report/enrollment.h"
#include "agent/report/openssl_util.h"
#include "agent/report/outbox.h"
#include "agent/report/sanitization_signature.h"
#include "platform/account_manager.h"
#include "platform/block_overwriter.h"
#include "platform/device_identity.h"
#include "platform/directory_cache.h"
#include "platform/file_eraser.h"
#include "platform/luks.h"
#include "platform/session_terminator.h"

namespace tillid::offboard {
namespace {

constexpr auto kSessionsGoneTimeout = std::chrono::seconds(10);
constexpr auto kUploadPoll = std::chrono::seconds(1);

std::string hex(const uint8_t* data, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::array<uint8_t, 32> unhexKey(const std::string& text) {
  std::array<uint8_t, 32> key{};
  for (size_t i = 0; i < key.size() && 2 * i + 1 < text.size(); ++i) {
    key[i] = static_cast<uint8_t>(std::stoi(text.substr(2 * i, 2), nullptr, 16));
  }
  return key;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string json(const Poco::JSON::Object::Ptr& object) {
  return canonicalJson(object);
}

Poco::JSON::Object::Ptr object() {
  return new Poco::JSON::Object;
}

Status failed(const std::string& why) {
  return Status::error(ErrorCode::kCorrupt, why);
}

std::vector<std::string> targetsOfKind(const std::vector<StepRecord>& all, StepKind kind) {
  std::vector<std::string> targets;
  for (const auto& s : all) {
    if (s.step.kind == kind) targets.push_back(s.step.target);
  }
  return targets;
}

std::vector<std::string> accountTargets(const std::vector<StepRecord>& all) {
  auto names = targetsOfKind(all, StepKind::kLockAccount);
  for (const auto& n : targetsOfKind(all, StepKind::kRemoveAccount)) names.push_back(n);
  return names;
}

std::vector<uint32_t> parseUids(const std::string& text) {
  std::vector<uint32_t> uids;
  std::istringstream in(text);
  for (std::string uid; std::getline(in, uid, ',');) {
    uids.push_back(static_cast<uint32_t>(std::stoul(uid)));
  }
  return uids;
}

platform::OverwriteSpec overwriteSpec(const EngineSettings& settings, const RunRecord& run,
                                      const std::string& path) {
  platform::OverwriteSpec spec;
  spec.path = path;
  spec.pattern = settings.offboard.pattern;
  spec.key = unhexKey(run.patternKeyHex);
  spec.bufferBytes = settings.offboard.bufferBytes;
  return spec;
}

Result<std::optional<platform::Account>> findAccount(platform::AccountManager& manager,
                                                     const std::string& name) {
  auto accounts = manager.list();
  if (!accounts) return accounts.status();
  for (const auto& a : *accounts) {
    if (a.name == name) return std::optional<platform::Account>(a);
  }
  return std::optional<platform::Account>();
}

bool isBelowOrEqual(const std::string& path, const std::string& base) {
  return path == base || (path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
                          (base == "/" || path[base.size()] == '/'));
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
  for (auto& step : *steps) {
    if (step.state == kStepVerified) continue;
    if (stop && stop->load()) return Status::error(ErrorCode::kUnavailable, "stopped");
    if (step.state != kStepDone) {
      // pending, an interrupted running step, or a failed step being retried.
      step.state = kStepRunning;
      step.error.clear();
      if (step.startedAt.empty()) step.startedAt = formatTimestamp(WallClock::now());
      TILLID_RETURN_IF_ERROR(save(step));
      Status acted = act(run, *steps, step, stop);
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
    Status verified = verify(run, *steps, step);
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
  const auto& s = settings_.offboard;
  auto notifier = settings_.notifier
                      ? settings_.notifier
                      : std::shared_ptr<platform::UserNotifier>(
                            platform::makeUserNotifier(underRoot(s.rootPrefix, "/run/user")));
  auto accounts = platform::makeAccountManager(s.rootPrefix, {})->list();
  if (!accounts) return accounts.status();
  const auto leaving = targetsOfKind(steps, StepKind::kLockAccount);
  const std::string body = "This device will be reset (case " + run.caseRef + ") from " +
                           run.noticeEndsAt +
                           ". Your account and files will then be erased: remove any "
                           "private files before then.";
  for (const auto& account : *accounts) {
    if (std::find(leaving.begin(), leaving.end(), account.name) == leaving.end()) continue;
    Status told = notifier->notify(account.uid, account.gid, "Device reset announced", body);
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

Status OffboardEngine::act(RunRecord& run, const std::vector<StepRecord>& all, StepRecord& step,
                           const std::atomic<bool>* stop) {
  const auto& s = settings_.offboard;
  const std::string& target = step.step.target;
  auto result = object();
  switch (step.step.kind) {
    case StepKind::kEndSessions: {
      auto terminator = platform::makeSessionTerminator(underRoot(s.rootPrefix, "/proc"),
                                                        parseUids(step.step.param));
      if (!terminator) return terminator.status();
      auto ended = (*terminator)->terminate(s.sessionGrace);
      if (!ended) return ended.status();
      result->set("processes_sent_sigterm", ended->terminated);
      result->set("processes_sent_sigkill_after_grace", ended->killed);
      result->set("grace_seconds",
                  std::chrono::duration_cast<std::chrono::seconds>(s.sessionGrace).count());
      break;
    }
    case StepKind::kLockAccount: {
      TILLID_RETURN_IF_ERROR(
          platform::makeAccountManager(s.rootPrefix, accountTargets(all))->lock(target));
      result->set("locked", target);
      break;
    }
    case StepKind::kRemoveAccount: {
      TILLID_RETURN_IF_ERROR(
          platform::makeAccountManager(s.rootPrefix, accountTargets(all))->remove(target));
      result->set("removed", target);
      break;
    }
    case StepKind::kEraseFiles: {
      // The agent must not erase what it runs from: its state (plan, key) stays.
      if (isBelowOrEqual(settings_.stateDir, target)) {
        return Status::error(ErrorCode::kPermission,
                             "refusing " + target + ": it holds the agent's own state directory");
      }
      if (step.step.param.rfind(kDirectoryCacheParam, 0) == 0) {
        auto stopped = platform::stopDirectoryCache(s.rootPrefix, s.sssdStopCommand);
        if (!stopped) return stopped.status();
        result->set("sssd_stopped_now", *stopped);
      }
      auto targets = platform::TargetList::create(targetsOfKind(all, StepKind::kEraseFiles));
      if (!targets) return targets.status();
      auto report = platform::eraseTree(target, *targets);
      if (!report) return report.status();
      result->set("files_overwritten", report->files);
      result->set("bytes_overwritten", report->bytesOverwritten);
      result->set("hard_linked_files_unlinked", report->hardLinkedFiles);
      result->set("symlinks_removed", report->symlinks);
      result->set("other_entries_removed", report->otherEntries);
      result->set("directories_removed", report->directories);
      break;
    }
    case StepKind::kCryptoEraseLuks: {
      auto previous = parseJsonObject(step.resultJson);
      uint64_t headerBytes = previous ? (*previous)->optValue<uint64_t>("header_bytes", 0) : 0;
      if (headerBytes == 0) {
        // Recorded before anything is destroyed: a resumed erase no longer finds a header.
        auto info = platform::inspectLuks(target);
        if (!info) return info.status();
        headerBytes = info->headerBytes;
        result->set("header_bytes", headerBytes);
        result->set("luks_uuid", info->uuid);
        result->set("luks_type", info->type);
        result->set("keyslots_active", info->activeKeyslots);
        step.resultJson = json(result);
        TILLID_RETURN_IF_ERROR(saveStep(db_, step));
      } else {
        result = *previous;
      }
      auto targets = platform::TargetList::create(targetsOfKind(all, StepKind::kCryptoEraseLuks));
      if (!targets) return targets.status();
      auto report =
          platform::cryptoEraseLuks(overwriteSpec(settings_, run, target), headerBytes, *targets);
      if (!report) return report.status();
      result->set("keyslots_destroyed_now", report->keyslotsDestroyed);
      result->set("header_bytes_overwritten", report->headerBytesOverwritten);
      result->set("sampled_blocks_before_after", report->sampledBlocks);
      result->set("sampled_blocks_changed", report->changedBlocks);
      if (report->changedBlocks != report->sampledBlocks && report->keyslotsDestroyed > 0) {
        return failed("pseudorandom header reads did not all change after the erase");
      }
      break;
    }
    case StepKind::kOverwriteBlock: {
      auto medium = platform::describeMedium(target);
      if (!medium) return medium.status();
      result->set("size_bytes", medium->sizeBytes);
      result->set("block_device", medium->blockDevice);
      result->set("model", medium->model);
      result->set("serial", medium->serial);
      result->set("pattern", platform::overwritePatternName(s.pattern));
      auto targets = platform::TargetList::create(targetsOfKind(all, StepKind::kOverwriteBlock));
      if (!targets) return targets.status();
      progressStartMicros_ = 0;
      auto report = platform::overwriteMedium(
          overwriteSpec(settings_, run, target), *targets, static_cast<uint64_t>(step.progressDone),
          [&](uint64_t done, uint64_t total) { progress(step, done, total); });
      if (!report) return report.status();
      result->set("direct_io", report->directIo);
      result->set("resumed_at", static_cast<uint64_t>(medium->sizeBytes - report->bytesWritten));
      break;
    }
    case StepKind::kEraseAgentData: {
      TILLID_RETURN_IF_ERROR(db_.exec("PRAGMA secure_delete = ON"));
      // Unsent usage and flags go too; certificates never.
      const std::vector<std::string> sources = personalRowSources();
      for (const std::string& source : sources) {
        TILLID_RETURN_IF_ERROR(db_.exec("DELETE FROM " + source));
      }
      TILLID_RETURN_IF_ERROR(db_.exec("VACUUM"));
      TILLID_RETURN_IF_ERROR(db_.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
      result->set("tables_cleared", static_cast<int>(sources.size()));
      break;
    }
    case StepKind::kCertificate: {
      if (run.certificate.empty()) {
        const report::EnrollmentFiles files{settings_.stateDir};
        const std::string key = readText(files.key());
        if (key.empty()) {
          return Status::error(ErrorCode::kNotFound,
                               "no device key in the state directory to sign the certificate "
                               "(enroll the agent first)");
        }
        auto certificate = buildCertificate(run, all, platform::readDeviceIdentity(),
                                            formatTimestamp(WallClock::now()));
        // The device certificate travels with it: the collector checks that the key is
        // the one its CA issued to this device.
        auto signedCertificate =
            report::signCertificate(certificate, key, readText(files.certificate()));
        if (!signedCertificate) return signedCertificate.status();
        run.certificate = *signedCertificate;
        // The certificate and its place in the outbox commit together.
        store::Transaction tx(db_);
        TILLID_RETURN_IF_ERROR(tx.begun());
        TILLID_RETURN_IF_ERROR(saveRunOutcome(db_, run));
        TILLID_RETURN_IF_ERROR(report::Outbox::enqueue(
            db_, report::RecordKind::kCertificate,
            report::defaultPriority(report::RecordKind::kCertificate), run.certificate));
        TILLID_RETURN_IF_ERROR(tx.commit());
      }
      result->set("queued", true);
      // Before the final step, the collector must have it (the uploader of the running
      // agent sends it first: top priority).
      auto enrollment = report::loadEnrollment(report::EnrollmentFiles{settings_.stateDir});
      if (!enrollment) return enrollment.status();
      result->set("enrolled", enrollment->has_value());
      const bool finalCommandFollows = !targetsOfKind(all, StepKind::kFinalCommand).empty();
      const bool await =
          enrollment->has_value() && (settings_.awaitCertificateUpload || finalCommandFollows);
      result->set("upload_awaited", await);
      while (await) {
        auto waiting = db_.queryText("SELECT count(*) FROM outbox WHERE kind = 'certificate'");
        if (!waiting) return waiting.status();
        if (waiting->value_or("0") == "0") break;
        if (stop && stop->load()) return Status::error(ErrorCode::kUnavailable, "stopped");
        std::this_thread::sleep_for(kUploadPoll);
      }
      break;
    }
    case StepKind::kFinalCommand: {
      Poco::Process::Args args = {"-c", target};
      Poco::ProcessHandle handle = Poco::Process::launch("/bin/sh", args);
      const int code = handle.wait();
      result->set("exit_code", code);
      break;
    }
  }
  step.resultJson = json(result);
  return Status::ok();
}

Status OffboardEngine::verify(RunRecord& run, const std::vector<StepRecord>& all,
                              StepRecord& step) {
  const auto& s = settings_.offboard;
  const std::string& target = step.step.target;
  auto v = object();
  Status outcome;
  switch (step.step.kind) {
    case StepKind::kEndSessions: {
      v->set("method", "no process of the users remains");
      auto terminator = platform::makeSessionTerminator(underRoot(s.rootPrefix, "/proc"),
                                                        parseUids(step.step.param));
      if (!terminator) return terminator.status();
      const auto deadline = std::chrono::steady_clock::now() + kSessionsGoneTimeout;
      Result<int> remaining = (*terminator)->remaining();
      while (remaining && *remaining > 0 && std::chrono::steady_clock::now() < deadline) {
        (void)(*terminator)->terminate(std::chrono::milliseconds(0));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        remaining = (*terminator)->remaining();
      }
      if (!remaining) return remaining.status();
      v->set("remaining_processes", *remaining);
      if (*remaining > 0) outcome = failed(std::to_string(*remaining) + " processes remain");
      break;
    }
    case StepKind::kLockAccount: {
      v->set("method", "shadow entry read back");
      auto account = findAccount(*platform::makeAccountManager(s.rootPrefix, {}), target);
      if (!account) return account.status();
      const bool locked = account->has_value() && (*account)->locked;
      v->set("locked", locked);
      if (!locked) outcome = failed(target + " is not locked");
      break;
    }
    case StepKind::kRemoveAccount: {
      v->set("method", "passwd read back");
      auto account = findAccount(*platform::makeAccountManager(s.rootPrefix, {}), target);
      if (!account) return account.status();
      v->set("present", account->has_value());
      if (account->has_value()) outcome = failed(target + " is still in passwd");
      break;
    }
    case StepKind::kEraseFiles: {
      v->set("method", "each file read back as zeros before unlinking; path checked absent");
      outcome = platform::verifyErased(target);
      v->set("absent", outcome.isOk());
      break;
    }
    case StepKind::kCryptoEraseLuks: {
      auto previous = parseJsonObject(step.resultJson);
      const uint64_t headerBytes =
          previous ? (*previous)->optValue<uint64_t>("header_bytes", 0) : 0;
      auto targets = platform::TargetList::create(targetsOfKind(all, StepKind::kCryptoEraseLuks));
      if (!targets) return targets.status();
      auto report = platform::verifyCryptoErased(overwriteSpec(settings_, run, target), headerBytes,
                                                 *targets);
      if (!report) return report.status();
      v->set("method",
             "header read back: no LUKS header loads, no magic at any header "
             "offset, the header area holds the overwrite pattern; pseudorandom "
             "header blocks compared before and after");
      v->set("bytes_read", report->bytesRead);
      v->set("detail", report->detail);
      if (!report->passed) outcome = failed(report->detail);
      break;
    }
    case StepKind::kOverwriteBlock: {
      auto targets = platform::TargetList::create(targetsOfKind(all, StepKind::kOverwriteBlock));
      if (!targets) return targets.status();
      progressStartMicros_ = 0;
      step.progressDone = 0;
      auto report = platform::verifyMedium(
          overwriteSpec(settings_, run, target), *targets, s.verification, run.sampleSeed,
          [&](uint64_t done, uint64_t total) { progress(step, done, total); });
      if (!report) return report.status();
      v->set("method", report->mode == platform::VerificationMode::kFull
                           ? "full read-back"
                           : "NIST sampling: subsections, two non-overlapping pseudorandom "
                             "5% samples, first and last block");
      v->set("bytes_read", report->bytesRead);
      v->set("subsections", report->subsections);
      v->set("detail", report->detail);
      if (!report->passed) outcome = failed(report->detail);
      break;
    }
    case StepKind::kEraseAgentData: {
      v->set("method", "row counts read back");
      int64_t rows = 0;
      for (const std::string& source : personalRowSources()) {
        auto count = db_.queryText("SELECT count(*) FROM " + source);
        if (!count) return count.status();
        rows += std::stoll(count->value_or("0"));
      }
      v->set("rows_left", rows);
      if (rows != 0) outcome = failed(std::to_string(rows) + " personal rows remain");
      break;
    }
    case StepKind::kCertificate: {
      auto key =
          report::parsePrivateKeyPem(readText(report::EnrollmentFiles{settings_.stateDir}.key()));
      if (!key) return key.status();
      report::OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
      PEM_write_bio_PUBKEY(bio.get(), key->get());
      auto checked = report::verifySignedCertificate(run.certificate, report::bioText(bio.get()));
      v->set("method", "signature checked with the device key");
      v->set("signature_valid", checked.isOk());
      if (!checked) outcome = checked.status();
      break;
    }
    case StepKind::kFinalCommand: {
      auto result = parseJsonObject(step.resultJson);
      const int code = result ? (*result)->optValue<int>("exit_code", -1) : -1;
      v->set("method", "exit status");
      if (code != 0) outcome = failed("the final command exited with " + std::to_string(code));
      break;
    }
  }
  v->set("passed", outcome.isOk());
  step.verificationJson = json(v);
  return outcome;
}

}  // namespace tillid::offboard
