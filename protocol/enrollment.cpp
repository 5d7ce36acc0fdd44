#include "protocol/enrollment.h"

#include <Poco/File.h>

#include "common/canonical_json.h"
#include "common/files.h"
#include "common/time.h"
#include "platform/private_files.h"
#include "protocol/certificate_request.h"
#include "protocol/openssl_util.h"

namespace tillid::report {
namespace {

// Takes a string field of the collector's JSON answer.
Result<std::string> field(const Poco::JSON::Object& answer, const std::string& key) {
  if (!answer.has(key) || !answer.get(key).isString()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "the collector's answer has no '" + key + "'");
  }
  return answer.getValue<std::string>(key);
}

Status saveInfo(const EnrollmentFiles& files, const Enrollment& e) {
  Poco::JSON::Object::Ptr info = new Poco::JSON::Object;
  info->set("server", e.server);
  info->set("device_id", e.deviceId);
  info->set("enrolled_at", e.enrolledAt);
  info->set("certificate_expires", e.certificateExpires);
  return platform::writeSharedFile(files.info(), canonicalJson(info) + "\n");
}

// The collector's error message from a refusal, for the operator.
std::string refusal(const HttpResponse& response) {
  auto body = parseJsonObject(response.body);
  if (body && (*body)->getObject("error")) {
    return "HTTP " + std::to_string(response.status) + ": " +
           (*body)->getObject("error")->optValue<std::string>("message", "");
  }
  return "HTTP " + std::to_string(response.status);
}

}  // namespace

Result<Enrollment> enroll(const EnrollRequest& request, const EnrollmentFiles& files) {
  auto ca = readWholeFile(request.caFile);
  if (!ca) return ca.status().withContext("--ca");
  if (!parseCertificatePem(*ca)) {
    return Status::error(ErrorCode::kInvalidArgument, request.caFile + ": not a PEM certificate");
  }
  auto keys = makeKeyAndRequest("tillid-agent");
  if (!keys) return keys.status();

  TlsClientOptions tls;
  tls.serverUrl = request.server;
  tls.caFile = request.caFile;
  tls.pinnedPublicKeys = request.pinnedPublicKeys;
  tls.proxy = request.proxy;
  CurlTransport transport(tls);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("token", request.token);
  body->set("csr", keys->requestPem);
  body->set("hostname", request.hostname);
  auto response =
      transport.send({"POST", "/v1/enroll", "application/json", {}, canonicalJson(body)});
  if (!response) return response.status();
  if (response->status != 201) {
    return Status::error(ErrorCode::kPermission,
                         "the collector refused the enrollment: " + refusal(*response));
  }
  auto answer = parseJsonObject(response->body);
  if (!answer) return answer.status().withContext("the collector's answer");
  auto deviceId = field(**answer, "device_id");
  if (!deviceId) return deviceId.status();
  auto certificate = field(**answer, "certificate");
  if (!certificate) return certificate.status();
  auto expires = field(**answer, "certificate_expires");
  if (!expires) return expires.status();

  Enrollment enrollment{request.server, *deviceId, formatTimestamp(WallClock::now()), *expires};
  Poco::File(files.root).createDirectories();
  TILLID_RETURN_IF_ERROR(platform::writePrivateFile(files.key(), keys->privateKeyPem));
  TILLID_RETURN_IF_ERROR(platform::writePrivateFile(files.certificate(), *certificate));
  TILLID_RETURN_IF_ERROR(platform::writePrivateFile(files.ca(), *ca));
  if (const auto orderKeys = (*answer)->getObject("order_keys")) {
    TILLID_RETURN_IF_ERROR(
        platform::writePrivateFile(files.orderKeys(), canonicalJson(orderKeys) + "\n"));
  }
  TILLID_RETURN_IF_ERROR(saveInfo(files, enrollment));
  return enrollment;
}

Result<std::optional<Enrollment>> loadEnrollment(const EnrollmentFiles& files) {
  if (!Poco::File(files.info()).exists()) return std::optional<Enrollment>();
  auto text = readWholeFile(files.info());
  if (!text) return text.status();
  auto info = parseJsonObject(*text);
  if (!info) return info.status().withContext(files.info());
  Enrollment e;
  for (auto [key, target] : {std::pair{"server", &e.server}, std::pair{"device_id", &e.deviceId},
                             std::pair{"enrolled_at", &e.enrolledAt},
                             std::pair{"certificate_expires", &e.certificateExpires}}) {
    auto value = field(**info, key);
    if (!value) return value.status().withContext(files.info());
    *target = *value;
  }
  return std::optional<Enrollment>(e);
}

TlsClientOptions deviceTlsOptions(const Enrollment& enrollment, const EnrollmentFiles& files,
                                  const std::string& pinnedPublicKeys, const std::string& proxy) {
  TlsClientOptions tls;
  tls.serverUrl = enrollment.server;
  tls.caFile = files.ca();
  tls.certificateFile = files.certificate();
  tls.privateKeyFile = files.key();
  tls.pinnedPublicKeys = pinnedPublicKeys;
  tls.proxy = proxy;
  return tls;
}

TlsClientOptions withoutClientCertificate(TlsClientOptions tls) {
  tls.certificateFile.clear();
  tls.privateKeyFile.clear();
  return tls;
}

Result<bool> renewIfDue(Transport& transport, Transport& withoutCertificate,
                        const EnrollmentFiles& files, Enrollment& enrollment,
                        double renewFraction) {
  auto pem = readWholeFile(files.certificate());
  if (!pem) return pem.status();
  auto cert = parseCertificatePem(*pem);
  bool expired = false;
  if (cert) {
    const int64_t left = secondsUntilExpiry(cert->get());
    const auto lifetime = static_cast<double>(lifetimeSeconds(cert->get()));
    if (static_cast<double>(left) > renewFraction * lifetime) {
      return false;
    }
    expired = left <= 0;
  }
  auto key = readWholeFile(files.key());
  if (!key) return key.status();
  auto csr = makeRequest(*key, "tillid-agent");
  if (!csr) return csr.status();
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("csr", *csr);
  // The handshake refuses an expired certificate: it travels in the body instead, and the
  // CSR's signature by the same key proves the device holds it.
  if (expired) body->set("certificate", *pem);
  auto response = (expired ? withoutCertificate : transport)
                      .send({"POST", "/v1/renew", "application/json", {}, canonicalJson(body)});
  if (!response) return response.status();
  if (response->status != 200) {
    return Status::error(ErrorCode::kUnavailable, "renewal refused: " + refusal(*response));
  }
  auto answer = parseJsonObject(response->body);
  if (!answer) return answer.status();
  auto certificate = field(**answer, "certificate");
  if (!certificate) return certificate.status();
  auto expires = field(**answer, "certificate_expires");
  if (!expires) return expires.status();
  if (!parseCertificatePem(*certificate)) {
    return Status::error(ErrorCode::kInvalidArgument, "the renewed certificate is not PEM");
  }
  TILLID_RETURN_IF_ERROR(platform::writePrivateFile(files.certificate(), *certificate));
  enrollment.certificateExpires = *expires;
  TILLID_RETURN_IF_ERROR(saveInfo(files, enrollment));
  return true;
}

}  // namespace tillid::report
