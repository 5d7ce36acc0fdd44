#include "agent/offboard/step_handler.h"

#include <Poco/JSON/Object.h>
#include <openssl/pem.h>

#include <array>
#include <chrono>
#include <optional>
#include <sstream>
#include <thread>

#include "agent/offboard/sanitization_certificate.h"
#include "agent/report/outbox.h"
#include "common/canonical_json.h"
#include "common/files.h"
#include "common/time.h"
#include "platform/platform.h"
#include "protocol/enrollment.h"
#include "protocol/openssl_util.h"
#include "protocol/sanitization_signature.h"

namespace tillid::offboard {
namespace {

using Poco::JSON::Object;

constexpr auto kSessionsGoneTimeout = std::chrono::seconds(10);
constexpr auto kUploadPoll = std::chrono::seconds(1);

std::array<uint8_t, 32> unhexKey(const std::string& text) {
  std::array<uint8_t, 32> key{};
  for (size_t i = 0; i < key.size() && 2 * i + 1 < text.size(); ++i) {
    key[i] = static_cast<uint8_t>(std::stoi(text.substr(2 * i, 2), nullptr, 16));
  }
  return key;
}

// The file's bytes, or "" when it cannot be read.
std::string readText(const std::string& path) {
  auto text = readWholeFile(path);
  return text ? *text : std::string();
}

Status failed(const std::string& why) {
  return Status::error(ErrorCode::kCorrupt, why);
}

// What the action did, recorded in the step.
Status acted(StepRecord& step, const Object::Ptr& result) {
  step.resultJson = canonicalJson(result);
  return Status::ok();
}

// How the step was checked and whether it passed, recorded in the step.
Status verified(StepRecord& step, Object::Ptr record, Status outcome) {
  record->set("passed", outcome.isOk());
  step.verificationJson = canonicalJson(record);
  return outcome;
}

std::vector<std::string> targetsOfKind(const std::vector<StepRecord>& all, StepKind kind) {
  std::vector<std::string> targets;
  for (const auto& s : all) {
    if (s.step.kind == kind) targets.push_back(s.step.target);
  }
  return targets;
}

Result<platform::TargetList> targetListOfKind(const std::vector<StepRecord>& all, StepKind kind) {
  return platform::TargetList::create(targetsOfKind(all, kind));
}

std::vector<std::string> accountTargets(const std::vector<StepRecord>& all) {
  auto names = targetsOfKind(all, StepKind::kLockAccount);
  for (const auto& n : targetsOfKind(all, StepKind::kRemoveAccount)) names.push_back(n);
  return names;
}

std::vector<platform::AccountId> parseAccountIds(const std::string& text) {
  std::vector<platform::AccountId> ids;
  std::istringstream in(text);
  for (std::string id; std::getline(in, id, ',');) ids.push_back({id});
  return ids;
}

platform::OverwriteSpec overwriteSpec(const StepContext& context, const std::string& path) {
  platform::OverwriteSpec spec;
  spec.path = path;
  spec.pattern = context.settings.offboard.pattern;
  spec.key = unhexKey(context.run.patternKeyHex);
  spec.bufferBytes = context.settings.offboard.bufferBytes;
  return spec;
}

// The account named `name` as the system lists it now, or nullopt when it has none.
Result<std::optional<platform::Account>> findAccount(const StepContext& context,
                                                     const std::string& name) {
  auto accounts = context.settings.platform.accounts({})->list();
  if (!accounts) return accounts.status();
  for (const auto& a : *accounts) {
    if (a.name == name) return std::optional<platform::Account>(a);
  }
  return std::optional<platform::Account>();
}

// The header size recorded by an earlier attempt of the step (0 when none).
uint64_t recordedHeaderBytes(const StepRecord& step) {
  auto previous = parseJsonObject(step.resultJson);
  return previous ? (*previous)->optValue<uint64_t>("header_bytes", 0) : 0;
}

bool isBelowOrEqual(const std::string& path, const std::string& base) {
  return path == base || (path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
                          (base == "/" || path[base.size()] == '/'));
}

class EndSessions final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    const auto grace = context.settings.offboard.sessionGrace;
    auto terminator = context.settings.platform.sessions(parseAccountIds(step.step.param));
    if (!terminator) return terminator.status();
    auto ended = (*terminator)->terminate(grace);
    if (!ended) return ended.status();
    Object::Ptr result = new Object;
    result->set("processes_sent_sigterm", ended->terminated);
    result->set("processes_sent_sigkill_after_grace", ended->killed);
    result->set("grace_seconds", std::chrono::duration_cast<std::chrono::seconds>(grace).count());
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    Object::Ptr v = new Object;
    v->set("method", "no process of the users remains");
    auto terminator = context.settings.platform.sessions(parseAccountIds(step.step.param));
    if (!terminator) return terminator.status();
    // Processes that started since the action (a login racing it) are ended too.
    const auto deadline = std::chrono::steady_clock::now() + kSessionsGoneTimeout;
    Result<int> remaining = (*terminator)->remaining();
    while (remaining && *remaining > 0 && std::chrono::steady_clock::now() < deadline) {
      (void)(*terminator)->terminate(std::chrono::milliseconds(0));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      remaining = (*terminator)->remaining();
    }
    if (!remaining) return remaining.status();
    v->set("remaining_processes", *remaining);
    return verified(
        step, v,
        *remaining > 0 ? failed(std::to_string(*remaining) + " processes remain") : Status::ok());
  }
};

class LockAccount final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    const std::string& target = step.step.target;
    TILLID_RETURN_IF_ERROR(
        context.settings.platform.accounts(accountTargets(context.all))->lock(target));
    Object::Ptr result = new Object;
    result->set("locked", target);
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    const std::string& target = step.step.target;
    Object::Ptr v = new Object;
    v->set("method", "shadow entry read back");
    auto account = findAccount(context, target);
    if (!account) return account.status();
    const bool locked = account->has_value() && (*account)->locked;
    v->set("locked", locked);
    return verified(step, v, locked ? Status::ok() : failed(target + " is not locked"));
  }
};

class RemoveAccount final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    const std::string& target = step.step.target;
    TILLID_RETURN_IF_ERROR(
        context.settings.platform.accounts(accountTargets(context.all))->remove(target));
    Object::Ptr result = new Object;
    result->set("removed", target);
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    const std::string& target = step.step.target;
    Object::Ptr v = new Object;
    v->set("method", "passwd read back");
    auto account = findAccount(context, target);
    if (!account) return account.status();
    v->set("present", account->has_value());
    return verified(step, v,
                    account->has_value() ? failed(target + " is still in passwd") : Status::ok());
  }
};

class EraseFiles final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    const auto& platform = context.settings.platform;
    const std::string& target = step.step.target;
    // The agent must not erase what it runs from: its state (plan, key) stays.
    if (isBelowOrEqual(context.settings.stateDir, target)) {
      return Status::error(ErrorCode::kPermission,
                           "refusing " + target + ": it holds the agent's own state directory");
    }
    Object::Ptr result = new Object;
    if (step.step.param.rfind(kDirectoryCacheParam, 0) == 0) {
      auto stopped = platform.directoryCache->stop(context.settings.offboard.sssdStopCommand);
      if (!stopped) return stopped.status();
      result->set("sssd_stopped_now", *stopped);
    }
    auto targets = targetListOfKind(context.all, StepKind::kEraseFiles);
    if (!targets) return targets.status();
    auto report = platform.files->eraseTree(target, *targets);
    if (!report) return report.status();
    result->set("files_overwritten", report->files);
    result->set("bytes_overwritten", report->bytesOverwritten);
    result->set("hard_linked_files_unlinked", report->hardLinkedFiles);
    result->set("symlinks_removed", report->symlinks);
    result->set("other_entries_removed", report->otherEntries);
    result->set("directories_removed", report->directories);
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    Object::Ptr v = new Object;
    v->set("method", "each file read back as zeros before unlinking; path checked absent");
    Status outcome = context.settings.platform.files->verifyErased(step.step.target);
    v->set("absent", outcome.isOk());
    return verified(step, v, outcome);
  }
};

class CryptoEraseVolume final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    auto& volumes = *context.settings.platform.volumeCryptoEraser;
    const std::string& target = step.step.target;
    Object::Ptr result = new Object;
    uint64_t headerBytes = recordedHeaderBytes(step);
    if (headerBytes == 0) {
      // Recorded before anything is destroyed: a resumed erase no longer finds a header.
      auto info = volumes.inspect(target);
      if (!info) return info.status();
      headerBytes = info->headerBytes;
      result->set("header_bytes", headerBytes);
      result->set("luks_uuid", info->uuid);
      result->set("luks_type", info->type);
      result->set("keyslots_active", info->activeKeyslots);
      step.resultJson = canonicalJson(result);
      TILLID_RETURN_IF_ERROR(saveStep(context.db, step));
    } else {
      result = *parseJsonObject(step.resultJson);
    }
    auto targets = targetListOfKind(context.all, StepKind::kCryptoEraseLuks);
    if (!targets) return targets.status();
    auto report = volumes.cryptoErase(overwriteSpec(context, target), headerBytes, *targets);
    if (!report) return report.status();
    result->set("keyslots_destroyed_now", report->keyslotsDestroyed);
    result->set("header_bytes_overwritten", report->headerBytesOverwritten);
    result->set("sampled_blocks_before_after", report->sampledBlocks);
    result->set("sampled_blocks_changed", report->changedBlocks);
    if (report->changedBlocks != report->sampledBlocks && report->keyslotsDestroyed > 0) {
      return failed("pseudorandom header reads did not all change after the erase");
    }
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    auto targets = targetListOfKind(context.all, StepKind::kCryptoEraseLuks);
    if (!targets) return targets.status();
    auto report = context.settings.platform.volumeCryptoEraser->verifyErased(
        overwriteSpec(context, step.step.target), recordedHeaderBytes(step), *targets);
    if (!report) return report.status();
    Object::Ptr v = new Object;
    v->set("method",
           "header read back: no LUKS header loads, no magic at any header "
           "offset, the header area holds the overwrite pattern; pseudorandom "
           "header blocks compared before and after");
    v->set("bytes_read", report->bytesRead);
    v->set("detail", report->detail);
    return verified(step, v, report->passed ? Status::ok() : failed(report->detail));
  }
};

class OverwriteBlock final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    auto& devices = *context.settings.platform.blockDevices;
    const std::string& target = step.step.target;
    auto medium = devices.describe(target);
    if (!medium) return medium.status();
    Object::Ptr result = new Object;
    result->set("size_bytes", medium->sizeBytes);
    result->set("block_device", medium->blockDevice);
    result->set("model", medium->model);
    result->set("serial", medium->serial);
    result->set("pattern", platform::overwritePatternName(context.settings.offboard.pattern));
    auto targets = targetListOfKind(context.all, StepKind::kOverwriteBlock);
    if (!targets) return targets.status();
    auto report = devices.overwrite(
        overwriteSpec(context, target), *targets, static_cast<uint64_t>(step.progressDone),
        [&](uint64_t done, uint64_t total) { context.progress(step, done, total); });
    if (!report) return report.status();
    result->set("direct_io", report->directIo);
    result->set("resumed_at", static_cast<uint64_t>(medium->sizeBytes - report->bytesWritten));
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    auto targets = targetListOfKind(context.all, StepKind::kOverwriteBlock);
    if (!targets) return targets.status();
    step.progressDone = 0;
    auto report = context.settings.platform.blockDevices->verify(
        overwriteSpec(context, step.step.target), *targets, context.settings.offboard.verification,
        context.run.sampleSeed,
        [&](uint64_t done, uint64_t total) { context.progress(step, done, total); });
    if (!report) return report.status();
    Object::Ptr v = new Object;
    v->set("method", report->mode == platform::VerificationMode::kFull
                         ? "full read-back"
                         : "NIST sampling: subsections, two non-overlapping pseudorandom "
                           "5% samples, first and last block");
    v->set("bytes_read", report->bytesRead);
    v->set("subsections", report->subsections);
    v->set("detail", report->detail);
    return verified(step, v, report->passed ? Status::ok() : failed(report->detail));
  }
};

class EraseAgentData final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    store::Database& db = context.db;
    TILLID_RETURN_IF_ERROR(db.exec("PRAGMA secure_delete = ON"));
    // Unsent usage and flags go too; certificates never.
    const std::vector<std::string> sources = personalRowSources();
    for (const std::string& source : sources) {
      TILLID_RETURN_IF_ERROR(db.exec("DELETE FROM " + source));
    }
    TILLID_RETURN_IF_ERROR(db.exec("VACUUM"));
    TILLID_RETURN_IF_ERROR(db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    Object::Ptr result = new Object;
    result->set("tables_cleared", static_cast<int>(sources.size()));
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    Object::Ptr v = new Object;
    v->set("method", "row counts read back");
    int64_t rows = 0;
    for (const std::string& source : personalRowSources()) {
      auto count = context.db.queryText("SELECT count(*) FROM " + source);
      if (!count) return count.status();
      rows += std::stoll(count->value_or("0"));
    }
    v->set("rows_left", rows);
    return verified(
        step, v, rows != 0 ? failed(std::to_string(rows) + " personal rows remain") : Status::ok());
  }
};

class Certificate final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    const EngineSettings& settings = context.settings;
    store::Database& db = context.db;
    RunRecord& run = context.run;
    if (run.certificate.empty()) {
      const report::EnrollmentFiles files{settings.stateDir};
      const std::string key = readText(files.key());
      if (key.empty()) {
        return Status::error(ErrorCode::kNotFound,
                             "no device key in the state directory to sign the certificate "
                             "(enroll the agent first)");
      }
      auto certificate =
          buildCertificate(run, context.all, settings.platform.deviceIdentity->read(),
                           formatTimestamp(WallClock::now()));
      // The device certificate travels with it: the collector checks that the key is
      // the one its CA issued to this device.
      auto signedCertificate =
          report::signCertificate(certificate, key, readText(files.certificate()));
      if (!signedCertificate) return signedCertificate.status();
      run.certificate = *signedCertificate;
      // The certificate and its place in the outbox commit together.
      store::Transaction tx(db);
      TILLID_RETURN_IF_ERROR(tx.begun());
      TILLID_RETURN_IF_ERROR(saveRunOutcome(db, run));
      TILLID_RETURN_IF_ERROR(report::Outbox::enqueue(
          db, report::RecordKind::kCertificate,
          report::defaultPriority(report::RecordKind::kCertificate), run.certificate));
      TILLID_RETURN_IF_ERROR(tx.commit());
    }
    Object::Ptr result = new Object;
    result->set("queued", true);
    // Before the final step, the collector must have it (the uploader of the running
    // agent sends it first: top priority).
    auto enrollment = report::loadEnrollment(report::EnrollmentFiles{settings.stateDir});
    if (!enrollment) return enrollment.status();
    result->set("enrolled", enrollment->has_value());
    const bool finalCommandFollows = !targetsOfKind(context.all, StepKind::kFinalCommand).empty();
    const bool await =
        enrollment->has_value() && (settings.awaitCertificateUpload || finalCommandFollows);
    result->set("upload_awaited", await);
    while (await) {
      auto waiting = db.queryText("SELECT count(*) FROM outbox WHERE kind = 'certificate'");
      if (!waiting) return waiting.status();
      if (waiting->value_or("0") == "0") break;
      if (context.stop && context.stop->load()) {
        return Status::error(ErrorCode::kUnavailable, "stopped");
      }
      std::this_thread::sleep_for(kUploadPoll);
    }
    return acted(step, result);
  }

  Status verify(StepContext& context, StepRecord& step) const override {
    auto key = report::parsePrivateKeyPem(
        readText(report::EnrollmentFiles{context.settings.stateDir}.key()));
    if (!key) return key.status();
    report::OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key->get());
    auto checked =
        report::verifySignedCertificate(context.run.certificate, report::bioText(bio.get()));
    Object::Ptr v = new Object;
    v->set("method", "signature checked with the device key");
    v->set("signature_valid", checked.isOk());
    return verified(step, v, checked.isOk() ? Status::ok() : checked.status());
  }
};

class FinalCommand final : public StepHandler {
 public:
  Status act(StepContext& context, StepRecord& step) const override {
    auto code = context.settings.platform.commands->run(step.step.target);
    if (!code) return code.status();
    Object::Ptr result = new Object;
    result->set("exit_code", *code);
    return acted(step, result);
  }

  Status verify(StepContext&, StepRecord& step) const override {
    auto result = parseJsonObject(step.resultJson);
    const int code = result ? (*result)->optValue<int>("exit_code", -1) : -1;
    Object::Ptr v = new Object;
    v->set("method", "exit status");
    // A command that failed left nothing behind: it is an I/O failure, not a finding.
    return verified(step, v,
                    code != 0 ? Status::error(ErrorCode::kIo, "the final command exited with " +
                                                                  std::to_string(code))
                              : Status::ok());
  }
};

}  // namespace

const StepHandler& stepHandler(StepKind kind) {
  static const EndSessions endSessions;
  static const LockAccount lockAccount;
  static const RemoveAccount removeAccount;
  static const EraseFiles eraseFiles;
  static const CryptoEraseVolume cryptoEraseVolume;
  static const OverwriteBlock overwriteBlock;
  static const EraseAgentData eraseAgentData;
  static const Certificate certificate;
  static const FinalCommand finalCommand;
  switch (kind) {
    case StepKind::kEndSessions:
      return endSessions;
    case StepKind::kLockAccount:
      return lockAccount;
    case StepKind::kRemoveAccount:
      return removeAccount;
    case StepKind::kEraseFiles:
      return eraseFiles;
    case StepKind::kCryptoEraseLuks:
      return cryptoEraseVolume;
    case StepKind::kOverwriteBlock:
      return overwriteBlock;
    case StepKind::kEraseAgentData:
      return eraseAgentData;
    case StepKind::kCertificate:
      return certificate;
    case StepKind::kFinalCommand:
      return finalCommand;
  }
  return finalCommand;  // unreachable: every kind is handled above
}

}  // namespace tillid::offboard
