#include "agent/offboard/sanitization_certificate.h"

#include <Poco/JSON/Array.h>

#include "common/canonical_json.h"
#include "platform/volume_crypto_eraser.h"

namespace tillid::offboard {
namespace {

Poco::JSON::Object::Ptr parsed(const std::string& json) {
  auto object = parseJsonObject(json);
  return object ? *object : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

// What each step did, in the certificate's terms. NIST SP 800-88's method types (Clear,
// Purge) describe media sanitization; the account steps are not that, and say so.
// `verified` is what the step's own verification read back; `accepted` is what the
// operating system or the device only reported as done, which nothing here confirms.
struct StepTerms {
  const char* mediaType;
  const char* methodType;
  const char* technique;
  const char* verified;
  const char* accepted;
};

StepTerms termsOf(StepKind kind) {
  switch (kind) {
    case StepKind::kCryptoEraseLuks:
      return {"LUKS encrypted volume", "Purge", "Cryptographic Erase",
              "the header area read back: no LUKS header loads and it holds the overwrite "
              "pattern; pseudorandom header blocks differ from before",
              "copies of the header or keys outside the volume (backups, remapped sectors) "
              "are not reached"};
    case StepKind::kOverwriteBlock:
      return {"block device", "Clear", "Overwrite",
              "the written pattern read back with direct I/O (in full or by sampling)",
              "areas the device does not expose (over-provisioning, remapped sectors) are not "
              "reached; the device accepted the writes"};
    case StepKind::kEraseFiles:
      return {"file system data", "Clear", "Logical overwrite of files, then deletion",
              "each file read back as zeros through the file system; the paths are gone",
              "the file system accepted the overwrites in place; on flash media, copy-on-write "
              "file systems, journals or snapshots the old blocks are not verified"};
    case StepKind::kEraseAgentData:
      return {"agent database", "Clear", "Rows deleted, database vacuumed, journal truncated",
              "the personal tables counted back empty",
              "secure_delete and VACUUM as SQLite performs them; freed blocks of the file "
              "system are not verified"};
    case StepKind::kEndSessions:
      return {"user sessions", "not media sanitization", "Processes of the leaving users ended",
              "no process of the users is left", ""};
    case StepKind::kLockAccount:
      return {"user account", "not media sanitization", "Account locked",
              "the shadow entry read back locked", ""};
    case StepKind::kRemoveAccount:
      return {"user account", "not media sanitization", "Account removed",
              "the account read back absent from passwd", ""};
    case StepKind::kCertificate:
    case StepKind::kFinalCommand:
      break;
  }
  return {"", "", "", "", ""};
}

bool isStorageMedium(StepKind kind) {
  return kind == StepKind::kCryptoEraseLuks || kind == StepKind::kOverwriteBlock;
}

constexpr const char* kNotStated = "not stated in the order";

// Appendix G's fields for one medium, filled with what the device knows.
Poco::JSON::Object::Ptr mediumEntry(const RunRecord& run, const StepRecord& s) {
  Poco::JSON::Object::Ptr m = new Poco::JSON::Object;
  const StepTerms terms = termsOf(s.step.kind);
  const auto result = parsed(s.resultJson);
  const auto verification = parsed(s.verificationJson);
  m->set("step", stepKindName(s.step.kind));
  m->set("target", s.step.target);
  m->set("manufacturer", result->optValue<std::string>("manufacturer", ""));
  m->set("model", result->optValue<std::string>("model", ""));
  m->set("serial_number", result->optValue<std::string>("serial", ""));
  m->set("media_type", terms.mediaType);
  m->set("media_source", s.step.target);
  m->set("pre_sanitization_confidentiality", kNotStated);
  m->set("sanitization_description", s.step.method);
  m->set("method_type", terms.methodType);
  m->set("method_used", terms.technique);
  m->set("method_details", s.step.method);
  m->set("tool_used", std::string("tillid-agent ") + TILLID_VERSION);
  m->set("result", result);
  m->set("verification_method", verification->optValue<std::string>("method", ""));
  m->set("verification_result", s.state == kStepVerified ? "passed" : s.state);
  m->set("verified", terms.verified);
  m->set("accepted_not_verified", terms.accepted);
  m->set("verification", verification);
  m->set("post_sanitization_confidentiality", kNotStated);
  m->set("post_sanitization_destination",
         run.profile == Profile::kFull ? kNotStated : "internal reuse (profile user-data)");
  m->set("started", s.startedAt);
  m->set("finished", s.finishedAt);
  return m;
}

}  // namespace

Poco::JSON::Object::Ptr buildCertificate(const RunRecord& run, const std::vector<StepRecord>& steps,
                                         const platform::DeviceIdentity& device,
                                         const std::string& completedAt) {
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  c->set("type", "certificate-of-sanitization");
  c->set("standards", Poco::JSON::Array::Ptr([] {
           Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
           a->add("NIST SP 800-88 Rev.2");
           a->add("IEEE 2883-2022");
           return a;
         }()));
  Poco::JSON::Object::Ptr person = new Poco::JSON::Object;
  person->set("name", "tillid-agent (automated, on the device)");
  person->set("title", "automated sanitization tool");
  person->set("ordered_by", run.signer);
  person->set("order_key_id", run.keyId);
  c->set("person_performing_sanitization", person);
  Poco::JSON::Object::Ptr dev = new Poco::JSON::Object;
  dev->set("device_id", run.deviceId);
  dev->set("manufacturer", device.manufacturer);
  dev->set("model", device.model);
  dev->set("serial", device.serial);
  dev->set("hostname", device.hostname);
  c->set("device", dev);
  Poco::JSON::Object::Ptr order = new Poco::JSON::Object;
  order->set("case", run.caseRef);
  order->set("signer", run.signer);
  order->set("key_id", run.keyId);
  order->set("nonce", run.nonce);
  order->set("profile", profileName(run.profile));
  order->set("accepted", run.acceptedAt);
  order->set("reason", run.reason);
  order->set("notice_seconds", run.noticeSeconds);
  order->set("notice_ended", run.noticeEndsAt);
  order->set("signed_order", parsed(run.orderJson));
  c->set("order", order);
  Poco::JSON::Object::Ptr tool = new Poco::JSON::Object;
  tool->set("name", "tillid-agent");
  tool->set("version", TILLID_VERSION);
  const platform::CryptoEraseLibrary library = platform::cryptoEraseLibrary();
  tool->set(library.name, library.version);
  c->set("tool", tool);
  Poco::JSON::Array::Ptr media = new Poco::JSON::Array;
  bool allVerified = true;
  int storageMedia = 0;
  bool allPurged = true;
  std::string started;
  for (const auto& s : steps) {
    if (s.step.kind == StepKind::kCertificate || s.step.kind == StepKind::kFinalCommand) continue;
    media->add(mediumEntry(run, s));
    if (isStorageMedium(s.step.kind)) {
      storageMedia += 1;
      allPurged = allPurged && std::string(termsOf(s.step.kind).methodType) == "Purge";
    }
    allVerified = allVerified && s.state == kStepVerified;
    if (started.empty() || (!s.startedAt.empty() && s.startedAt < started)) started = s.startedAt;
  }
  c->set("media", media);
  // The device's as a whole: Purge only when every storage medium was purged; a run that
  // cleared a medium or only overwrote files certifies Clear.
  c->set("method_type", storageMedia > 0 && allPurged ? "Purge" : "Clear");
  c->set("verification_sampling_reference",
         "NIST SP 800-88 Rev.1, section 4.7.3 (Verification of Sanitization Results): at least "
         "1,000 subsections, two non-overlapping pseudorandom samples of at least 5% each, the "
         "first and last addressable blocks; for cryptographic erase, pseudorandom reads "
         "compared before and after");
  c->set("verification_result", allVerified ? "passed" : "failed");
  c->set("started", started);
  c->set("completed", completedAt);
  c->set("media_destination",
         run.profile == Profile::kFull ? kNotStated : "internal reuse (profile user-data)");
  // Appendix G's validation is a person's, after the fact: the device cannot fill it.
  Poco::JSON::Object::Ptr validating = new Poco::JSON::Object;
  validating->set("name", "");
  validating->set("status", "not validated: for a person to complete at the collector");
  c->set("person_validating", validating);
  return c;
}

}  // namespace tillid::offboard
