#include "collector/revocation_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>
#include <openssl/bn.h>

#include "common/canonical_json.h"
#include "common/logging.h"
#include "protocol/signed_order.h"

namespace tillid::collector {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// The serial as CertificateAuthority writes it (upper-case hex, whole bytes), from hex
// with or without colons; "" when it is not hex.
std::string canonicalSerial(std::string text) {
  std::erase(text, ':');
  if (text.empty() || text.size() > 128 ||
      text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return "";
  }
  BIGNUM* number = nullptr;
  if (BN_hex2bn(&number, text.c_str()) == 0) return "";
  char* hex = BN_bn2hex(number);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return out;
}

Result<Object::Ptr> bodyObject(const ApiRequest& request) {
  if (request.body.empty()) return Object::Ptr(new Object);
  return parseJsonObject(request.body);
}

}  // namespace

std::optional<ApiResponse> RevocationService::route(const ApiRequest& request) const {
  Poco::StringTokenizer parts(request.path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  const bool admin = parts.count() >= 3 && parts[0] == "v1" && parts[1] == "admin";
  const bool retirement =
      admin && parts.count() == 5 && parts[2] == "devices" && parts[4] == "retire";
  const bool revocations = admin && parts.count() == 3 && parts[2] == "revocations";
  if (!retirement && !revocations) return std::nullopt;
  auto admitted = gate_.admit(request);
  if (auto* refusal = std::get_if<ApiResponse>(&admitted)) return *refusal;
  const std::string role = std::get<Administrator>(admitted).role;
  if (revocations && request.method == "GET") return list();
  if (request.method != "POST") return errorResponse(405, "method_not_allowed", "use POST");
  if (role != tasks::kRoleOffboarding) {
    return errorResponse(403, "role_not_permitted",
                         "retiring devices and revoking certificates needs the offboarding role");
  }
  return retirement ? retire(request, parts[3]) : revoke(request);
}

ApiResponse RevocationService::retire(const ApiRequest& request,
                                      const std::string& deviceId) const {
  auto body = bodyObject(request);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  auto device = storage_.device(deviceId);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) return errorResponse(404, "unknown_device", "no device " + deviceId);
  const TimePoint now = WallClock::now();
  const std::string reason = stringMember(**body, "reason");
  Status retired = storage_.retireDevice(deviceId, reason, now);
  if (!retired) return storageFailure(retired);
  Object::Ptr details = new Object;
  details->set("reason", reason);
  details->set("certificate_serial", (*device)->certificateSerial);
  Status logged = tasks_.logAccess({formatTimestamp(now), *request.clientCommonName,
                                    request.clientOrganizationalUnit, "device.retired", deviceId,
                                    "offboarding", "", canonicalJson(details)});
  if (!logged) return storageFailure(logged);
  logger("collector")
      .information("device " + deviceId + " retired by " + *request.clientCommonName);
  // Retiring a retired device keeps its first time.
  Object::Ptr out = new Object;
  out->set("device_id", deviceId);
  out->set("retired", (*device)->retired.empty() ? formatTimestamp(now) : (*device)->retired);
  out->set("revoked_serial", (*device)->certificateSerial);
  return ApiResponse{200, out};
}

ApiResponse RevocationService::revoke(const ApiRequest& request) const {
  auto body = bodyObject(request);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  const Object& in = **body;
  const std::string serial = canonicalSerial(stringMember(in, "serial"));
  if (serial.empty()) return errorResponse(400, "malformed", "'serial' must be a hex string");
  const TimePoint now = WallClock::now();
  const std::string deviceId = stringMember(in, "device_id");
  const RevokedCertificate revoked{serial, deviceId, formatTimestamp(now),
                                   stringMember(in, "reason")};
  Status stored = storage_.revokeCertificate(revoked);
  if (!stored) return storageFailure(stored);
  Object::Ptr details = new Object;
  details->set("reason", revoked.reason);
  details->set("certificate_serial", serial);
  Status logged = tasks_.logAccess({revoked.revokedAt, *request.clientCommonName,
                                    request.clientOrganizationalUnit, "certificate.revoked",
                                    deviceId, "offboarding", "", canonicalJson(details)});
  if (!logged) return storageFailure(logged);
  logger("collector")
      .information("certificate " + serial + " revoked by " + *request.clientCommonName);
  Object::Ptr out = new Object;
  out->set("serial", serial);
  out->set("revoked_at", revoked.revokedAt);
  return ApiResponse{200, out};
}

ApiResponse RevocationService::list() const {
  auto revoked = storage_.revocations();
  if (!revoked) return storageFailure(revoked.status());
  Array::Ptr rows = new Array;
  for (const auto& r : *revoked) {
    Object::Ptr o = new Object;
    o->set("serial", r.serial);
    o->set("device_id", r.deviceId);
    o->set("revoked_at", r.revokedAt);
    o->set("reason", r.reason);
    rows->add(o);
  }
  Object::Ptr out = new Object;
  out->set("revocations", rows);
  return ApiResponse{200, out};
}

}  // namespace tillid::collector
