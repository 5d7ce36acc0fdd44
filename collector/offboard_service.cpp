#include "collector/offboard_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>

#include "collector/personal_data_reads.h"
#include "common/canonical_json.h"
#include "common/logging.h"
#include "common/untrusted_text.h"
#include "protocol/purpose_rules.h"
#include "protocol/sanitization_signature.h"
#include "protocol/signed_order.h"

namespace tillid::collector {
namespace {

using Poco::JSON::Object;

constexpr const char* kOffboardType = "offboard";

// The offboard task as the administrator follows it.
Object::Ptr orderJson(const StoredTask& t) {
  Object::Ptr o = new Object;
  o->set("task", t.id);
  o->set("state", t.state);
  o->set("reason", t.reason);
  o->set("case", t.caseRef);
  o->set("requested_by", t.requestedBy);
  o->set("created", t.created);
  o->set("delivered_at", t.deliveredAt);
  o->set("answered_at", t.answeredAt);
  const Object::Ptr order = parsedOrEmpty(t.order)->getObject("order");
  o->set("profile", order && order->getObject("params")
                        ? stringMember(order->getObject("params"), "profile")
                        : "");
  o->set("signed_by", order ? stringMember(order, "issued_by") : "");
  if (!t.result.empty()) o->set("result", parsedOrEmpty(t.result));
  return o;
}

}  // namespace

std::optional<ApiResponse> OffboardService::route(const ApiRequest& request) const {
  Poco::StringTokenizer parts(request.path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  const bool mine = parts.count() == 4 && parts[0] == "v1" && parts[1] == "admin" &&
                    (parts[2] == "offboard" || parts[2] == "certificates");
  if (!mine) return std::nullopt;
  auto admitted = gate_.admit(request);
  if (auto* refusal = std::get_if<ApiResponse>(&admitted)) return *refusal;
  if (request.method != "GET") return errorResponse(405, "method_not_allowed", "use GET");
  auto device = storage_.device(parts[3]);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) return errorResponse(404, "unknown_device", "no device " + parts[3]);
  // A reset's progress and certificate name the device's accounts: the offboarding
  // purpose's, and each read is logged (an investigator reads a certificate through
  // POST /v1/admin/reads).
  const Administrator& admin = std::get<Administrator>(admitted);
  const std::string what = parts[2] == "offboard" ? "offboard-status" : "certificate";
  Object::Ptr details = new Object;
  details->set("read", what);
  Status permitted =
      tasks::checkAccess({tasks::kPurposeOffboarding, what, admin.role, "", false, false});
  if (!permitted) details->set("reason", permitted.message());
  if (Status logged = logRead(tasks_, admin, permitted ? "read.answered" : "read.refused", parts[3],
                              tasks::kPurposeOffboarding, "", details);
      !logged) {
    return storageFailure(logged);
  }
  if (!permitted) return errorResponse(403, "refused", permitted.message());
  return parts[2] == "offboard" ? status(parts[3]) : certificate(parts[3]);
}

ApiResponse OffboardService::status(const std::string& deviceId) const {
  Object::Ptr out = new Object;
  out->set("device", deviceId);
  auto tasks = tasks_.tasks(deviceId, 1000);
  if (!tasks) return storageFailure(tasks.status());
  for (const auto& t : *tasks) {  // newest first
    if (t.type != kOffboardType) continue;
    out->set("order", orderJson(t));
    break;
  }
  auto progress = storage_.records(deviceId, "offboard-progress", 1);
  if (!progress) return storageFailure(progress.status());
  if (!progress->empty()) {
    Object::Ptr run = parsedOrEmpty(progress->front().record.payload);
    run->set("reported", progress->front().record.time);
    out->set("run", run);
  }
  auto certificates = storage_.records(deviceId, "certificate", 1);
  if (!certificates) return storageFailure(certificates.status());
  Object::Ptr arrived = new Object;
  arrived->set("received", !certificates->empty());
  if (!certificates->empty()) {
    const Object::Ptr wire = parsedOrEmpty(certificates->front().record.payload);
    const Object::Ptr body = wire->getObject("certificate");
    const Object::Ptr check = wire->getObject("collector_verification");
    arrived->set("id", certificates->front().record.id);
    arrived->set("completed", stringMember(body, "completed"));
    arrived->set("verification_result", stringMember(body, "verification_result"));
    arrived->set("signature_verified", check && check->optValue<bool>("signature_valid", false));
    arrived->set("checked_at", stringMember(check, "checked_at"));
  }
  out->set("certificate", arrived);
  return {200, out};
}

ApiResponse OffboardService::certificate(const std::string& deviceId) const {
  auto certificates = storage_.records(deviceId, "certificate", 1);
  if (!certificates) return storageFailure(certificates.status());
  if (certificates->empty()) {
    return errorResponse(404, "no_certificate",
                         "device " + deviceId + " has not delivered a certificate of sanitization");
  }
  const StoredRecord& r = certificates->front();
  Object::Ptr out = new Object;
  out->set("device", deviceId);
  out->set("id", r.record.id);
  out->set("time", r.record.time);
  // The signed document as the device sent it, with the collector's verification beside.
  out->set("signed", parsedOrEmpty(r.record.payload));
  return {200, out};
}

std::optional<ApiResponse> OffboardService::check(const std::string& deviceId,
                                                  ReportRecord& record) const {
  if (record.kind != "certificate") return std::nullopt;
  auto annotated = verifyCertificate(deviceId, record.payload);
  if (annotated) {
    record.payload = std::move(*annotated);
    return std::nullopt;
  }
  const std::string reason = annotated.status().message();
  const Object::Ptr body = parsedOrEmpty(record.payload)->getObject("certificate");
  const Object::Ptr order = body ? body->getObject("order") : nullptr;
  Object::Ptr details = new Object;
  details->set("record", record.id);
  details->set("reason", reason);
  const Status logged = tasks_.logAccess({formatTimestamp(WallClock::now()), "device:" + deviceId,
                                          "device", "certificate.refused", deviceId, "offboarding",
                                          stringMember(order, "case"), canonicalJson(details)});
  if (!logged) return storageFailure(logged);
  logger("collector")
      .warning("certificate of sanitization from " + deviceId +
               " refused: " + escapeControlCharacters(reason));
  return errorResponse(422, "certificate_refused",
                       "certificate of sanitization " + record.id + " refused: " + reason);
}

Result<std::string> OffboardService::verifyCertificate(const std::string& deviceId,
                                                       const std::string& payload) const {
  auto wire = parseJsonObject(payload);
  if (!wire) return wire.status();
  const std::string devicePem = stringMember(*wire, "device_certificate");
  if (devicePem.empty()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "it carries no device_certificate to check the signature with");
  }
  auto serial = ca_.checkIssuedTo(devicePem, deviceId);
  if (!serial) return serial.status();
  auto body = report::verifySignedCertificate(payload, devicePem);
  if (!body) return body.status();
  const std::string named = stringMember((*body)->getObject("device"), "device_id");
  if (named != deviceId) {
    return Status::error(ErrorCode::kPermission,
                         "it certifies device '" + named + "', not the sender " + deviceId);
  }
  Object::Ptr check = new Object;
  check->set("signature_valid", true);
  check->set("algorithm", stringMember(*wire, "algorithm"));
  check->set("device_certificate_serial", *serial);
  check->set("method",
             "ECDSA signature over the canonical certificate checked with the key of the "
             "device certificate, which this collector's CA issued to the sending device");
  check->set("checked_at", formatTimestamp(WallClock::now()));
  (*wire)->set("collector_verification", check);
  return canonicalJson(*wire);
}

}  // namespace tillid::collector
