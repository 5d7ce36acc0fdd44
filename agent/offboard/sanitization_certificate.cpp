#include "agent/offboard/sanitization_certificate.h"

#include <Poco/JSON/Array.h>

#include "agent/core/canonical_json.h"
#include "platform/luks.h"

namespace tillid::offboard {
namespace {

Poco::JSON::Object::Ptr parsed(const std::string& json) {
  auto object = parseJsonObject(json);
  return object ? *object : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

// Clear or Purge (SP 800-88), and the technique's name in IEEE 2883-2022's terms.
// What each step did, in the certificate's terms. NIST SP 800-88's method types (Clear,
// Purge) describe media sanitization; the account steps are not that, and say so.
struct StepTerms {
  const char* mediaType;
  const char* methodType;
  const char* technique;
};

StepTerms termsOf(StepKind kind) {
  switch (kind) {
    case StepKind::kCryptoEraseLuks:
      return {"LUKS encrypted volume", "Purge", "Cryptographic Erase"};
    case StepKind::kOverwriteBlock:
      return {"block device", "Clear", "Overwrite"};
    case StepKind::kEraseFiles:
      return {"file system data", "Clear", "Logical overwrite of files, then deletion"};
    case StepKind::kEraseAgentData:
      return {"agent database", "Clear", "Rows deleted, database vacuumed, journal truncated"};
    case StepKind::kEndSessions:
      return {"user sessions", "not media sanitization", "Processes of the leaving users ended"};
    case StepKind::kLockAccount:
      return {"user account", "not media sanitization", "Account locked"};
    case StepKind::kRemoveAccount:
      return {"user account", "not media sanitization", "Account removed"};
    case StepKind::kCertificate:
    case StepKind::kFinalCommand:
      break;
  }
  return {"", "", ""};
}

Poco::JSON::Object::Ptr mediumEntry(const StepRecord& s) {
  Poco::JSON::Object::Ptr m = new Poco::JSON::Object;
  const StepTerms terms = termsOf(s.step.kind);
  const auto result = parsed(s.resultJson);
  const auto verification = parsed(s.verificationJson);
  m->set("step", stepKindName(s.step.kind));
  m->set("target", s.step.target);
  m->set("media_type", terms.mediaType);
  m->set("media_serial", result->optValue<std::string>("serial", ""));
  m->set("media_model", result->optValue<std::string>("model", ""));
  m->set("method_type", terms.methodType);
  m->set("method_used", terms.technique);
  m->set("method_details", s.step.method);
  m->set("result", result);
  m->set("verification_method", verification->optValue<std::string>("method", ""));
  m->set("verification_result", s.state == kStepVerified ? "passed" : s.state);
  m->set("verification", verification);
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
  order->set("signed_order", parsed(run.orderJson));
  c->set("order", order);
  Poco::JSON::Object::Ptr tool = new Poco::JSON::Object;
  tool->set("name", "tillid-agent");
  tool->set("version", TILLID_VERSION);
  tool->set("libcryptsetup", platform::cryptsetupVersion());
  c->set("tool", tool);
  Poco::JSON::Array::Ptr media = new Poco::JSON::Array;
  bool allVerified = true;
  std::string started;
  for (const auto& s : steps) {
    if (s.step.kind == StepKind::kCertificate || s.step.kind == StepKind::kFinalCommand) continue;
    media->add(mediumEntry(s));
    allVerified = allVerified && s.state == kStepVerified;
    if (started.empty() || (!s.startedAt.empty() && s.startedAt < started)) started = s.startedAt;
  }
  c->set("media", media);
  c->set("method_type", run.profile == Profile::kFull ? "Purge" : "Clear");
  c->set("verification_result", allVerified ? "passed" : "failed");
  c->set("started", started);
  c->set("completed", completedAt);
  c->set("post_sanitization", run.profile == Profile::kFull
                                  ? "device leaves service"
                                  : "device reused within the organisation");
  return c;
}

}  // namespace tillid::offboard
