#include "agent/offboard/sanitization_certificate.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sstream>

#include "agent/core/canonical_json.h"
#include "agent/report/openssl_util.h"
#include "platform/luks.h"

namespace tillid::offboard {
namespace {

constexpr const char* kAlgorithm = "ECDSA-P256-SHA256";

Poco::JSON::Object::Ptr parsed(const std::string& json) {
  auto object = parseJsonObject(json);
  return object ? *object : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

// Clear or Purge (SP 800-88), and the technique's name in IEEE 2883-2022's terms.
std::pair<const char*, const char*> methodOf(StepKind kind) {
  switch (kind) {
    case StepKind::kCryptoEraseLuks:
      return {"Purge", "Cryptographic Erase"};
    case StepKind::kOverwriteBlock:
      return {"Clear", "Overwrite"};
    default:
      return {"Clear", "Logical overwrite of files, then deletion"};
  }
}

Poco::JSON::Object::Ptr mediumEntry(const StepRecord& s) {
  Poco::JSON::Object::Ptr m = new Poco::JSON::Object;
  const auto [method, technique] = methodOf(s.step.kind);
  const auto result = parsed(s.resultJson);
  const auto verification = parsed(s.verificationJson);
  m->set("step", stepKindName(s.step.kind));
  m->set("target", s.step.target);
  m->set("media_type", s.step.kind == StepKind::kCryptoEraseLuks  ? "LUKS encrypted volume"
                       : s.step.kind == StepKind::kOverwriteBlock ? "block device"
                                                                  : "file system data");
  m->set("media_serial", result->optValue<std::string>("serial", ""));
  m->set("media_model", result->optValue<std::string>("model", ""));
  m->set("method_type", method);
  m->set("method_used", technique);
  m->set("method_details", s.step.method);
  m->set("result", result);
  m->set("verification_method", verification->optValue<std::string>("method", ""));
  m->set("verification_result", s.state == kStepVerified ? "passed" : s.state);
  m->set("verification", verification);
  m->set("started", s.startedAt);
  m->set("finished", s.finishedAt);
  return m;
}

std::string base64(const unsigned char* data, size_t size) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  encoder.close();
  return out.str();
}

std::string unbase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return out;
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

Result<std::string> signCertificate(const Poco::JSON::Object::Ptr& certificate,
                                    const std::string& privateKeyPem) {
  auto key = report::parsePrivateKeyPem(privateKeyPem);
  if (!key) return key.status();
  const std::string message = canonicalJson(certificate);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return report::openSslError(ErrorCode::kInternal, "signing the certificate");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return report::openSslError(ErrorCode::kInternal, "signing the certificate");
  }
  Poco::JSON::Object::Ptr wire = new Poco::JSON::Object;
  wire->set("certificate", certificate);
  wire->set("algorithm", kAlgorithm);
  wire->set("signature", base64(reinterpret_cast<const unsigned char*>(signature.data()), size));
  return canonicalJson(wire);
}

Result<Poco::JSON::Object::Ptr> verifySignedCertificate(const std::string& wire,
                                                        const std::string& keyOrCertificatePem) {
  auto parsedWire = parseJsonObject(wire);
  if (!parsedWire) return parsedWire.status();
  const auto& w = *parsedWire;
  auto certificate = w->getObject("certificate");
  if (!certificate || w->optValue<std::string>("algorithm", "") != kAlgorithm ||
      !w->has("signature")) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "not a signed certificate of sanitization (certificate, algorithm, "
                         "signature)");
  }
  report::OpenSslPtr<EVP_PKEY> key;
  if (auto cert = report::parseCertificatePem(keyOrCertificatePem)) {
    key.reset(X509_get_pubkey(cert->get()));
  } else {
    auto bio = report::memoryBio(keyOrCertificatePem);
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!key) return report::openSslError(ErrorCode::kInvalidArgument, "reading the device key");
  const std::string message = canonicalJson(certificate);
  const std::string signature = unbase64(w->getValue<std::string>("signature"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Status::error(ErrorCode::kPermission,
                         "the certificate's signature does not verify with the device key");
  }
  return certificate;
}

}  // namespace tillid::offboard
