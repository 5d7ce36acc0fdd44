#include "collector/collector_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <variant>

#include "collector/administrator_gate.h"
#include "common/canonical_json.h"
#include "common/digest.h"
#include "common/logging.h"
#include "common/untrusted_text.h"
#include "protocol/gzip.h"
#include "protocol/report_batch.h"
#include "protocol/signed_order.h"

namespace tillid::collector {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kJson = "application/json";
// A storage that failed (a lost database connection, a full disk) is worth asking again soon.
constexpr int kStorageRetryAfterSeconds = 5;
constexpr size_t kMaxHostnameBytes = 255;

ApiResponse ok(int status, Object::Ptr body) {
  return {status, std::move(body)};
}

// "application/json; charset=utf-8" -> "application/json"
std::string mediaType(const std::string& contentType) {
  std::string type = contentType.substr(0, contentType.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type;
}

// The body's text must be UTF-8 before any of it is parsed or stored: what is stored is
// shown to administrators and sent back as JSON, which must stay readable.
std::optional<ApiResponse> refuseUnlessUtf8(const std::string& body, const std::string& what) {
  if (const auto at = invalidUtf8Offset(body)) {
    return errorResponse(400, "invalid_utf8",
                         what + " is not UTF-8 (byte " + std::to_string(*at) + ")");
  }
  return std::nullopt;
}

std::optional<ApiResponse> refuseUnlessJson(const ApiRequest& request) {
  if (mediaType(request.contentType) != kJson) {
    return errorResponse(
        415, "unsupported_media_type",
        "Content-Type must be application/json (got '" + request.contentType + "')");
  }
  return std::nullopt;
}

Result<Object::Ptr> jsonBody(const std::string& body) {
  auto parsed = parseJsonObject(body);
  if (!parsed) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "the body is not a JSON object: " + parsed.status().message());
  }
  return parsed;
}

std::string newDeviceId() {
  std::string uuid = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
  return "d-" + uuid.substr(0, 20);
}

std::optional<ApiResponse> refuseIfRetired(const Device& device) {
  if (device.retired.empty()) return std::nullopt;
  return errorResponse(403, "device_retired", "the device was retired at " + device.retired);
}

Object::Ptr deviceJson(const Device& d) {
  Object::Ptr o = new Object;
  o->set("id", d.id);
  // Stored before hostnames were checked at enrollment, a hostname may not be UTF-8;
  // escaped, it cannot make the whole list unreadable.
  o->set("hostname",
         invalidUtf8Offset(d.hostname) ? escapeControlCharacters(d.hostname) : d.hostname);
  o->set("enrolled_at", d.enrolledAt);
  o->set("certificate_serial", d.certificateSerial);
  o->set("certificate_expires", d.certificateExpires);
  o->set("last_seen", d.lastSeen);
  o->set("batches", d.batches);
  o->set("records", d.records);
  if (!d.retired.empty()) o->set("retired", d.retired);
  return o;
}

}  // namespace

ApiResponse storageFailure(const Status& status) {
  logger("collector").error("storage: " + status.message());
  ApiResponse response =
      errorResponse(503, "storage_unavailable", "the collector cannot store right now");
  response.retryAfterSeconds = kStorageRetryAfterSeconds;
  return response;
}

Object::Ptr usageJson(const UsageRecord& u) {
  Object::Ptr o = new Object;
  o->set("hour", u.hour);
  o->set("user", u.user);
  o->set("application", u.application);
  o->set("destination", u.destination);
  o->set("service", u.service);
  o->set("category", u.category);
  o->set("connections", u.connections);
  o->set("bytes_in", u.bytesIn);
  o->set("bytes_out", u.bytesOut);
  o->set("active_seconds", u.activeSeconds);
  return o;
}

ApiResponse errorResponse(int status, const std::string& code, const std::string& message) {
  Object::Ptr error = new Object;
  error->set("code", code);
  error->set("message", message);
  Object::Ptr body = new Object;
  body->set("error", error);
  return {status, body};
}

CollectorService::CollectorService(Storage& storage, const CertificateAuthority& ca,
                                   const AdministratorGate& administrators,
                                   ServiceSettings settings)
    : storage_(storage),
      ca_(ca),
      administrators_(administrators),
      settings_(std::move(settings)),
      reportLimiter_(settings_.deviceReportsPerMinute, settings_.deviceReportBurst) {}

ApiResponse CollectorService::handle(const ApiRequest& request) const {
  for (const ApiRoutes* routes : routes_) {
    if (auto answer = routes->route(request)) return *answer;
  }
  const std::string& path = request.path;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (path == "/v1/health") {
    return get ? health() : errorResponse(405, "method_not_allowed", "use GET");
  }
  if (path == "/v1/enroll") {
    return post ? enroll(request) : errorResponse(405, "method_not_allowed", "use POST");
  }
  if (path.rfind("/v1/admin/", 0) == 0) {
    return get ? admin(request) : errorResponse(405, "method_not_allowed", "use GET");
  }
  const bool deviceEndpoint = path == "/v1/reports" || path == "/v1/renew";
  if (!deviceEndpoint) return errorResponse(404, "not_found", "no endpoint " + path);
  if (!post) return errorResponse(405, "method_not_allowed", "use POST");
  if (path == "/v1/renew" && !request.clientCommonName) return renewExpired(request);
  if (auto refusal = refuseUnlessDevice(request)) return *refusal;
  const std::string& deviceId = *request.clientCommonName;
  if (path == "/v1/reports") return reports(request, deviceId);
  return renew(request, deviceId);
}

std::optional<ApiResponse> CollectorService::refuseUnlessDevice(const ApiRequest& request) const {
  if (!request.clientCommonName) {
    return errorResponse(401, "client_certificate_required",
                         "this endpoint needs the device's client certificate (enroll first)");
  }
  auto device = storage_.device(*request.clientCommonName);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) {
    return errorResponse(403, "unknown_device",
                         "the client certificate does not belong to an enrolled device");
  }
  return refuseIfRetired(**device);
}

ApiResponse CollectorService::health() const {
  Object::Ptr body = new Object;
  body->set("status", "ok");
  body->set("version", TILLID_VERSION);
  return ok(200, body);
}

ApiResponse CollectorService::enroll(const ApiRequest& request) const {
  if (auto refusal = refuseUnlessJson(request)) return *refusal;
  if (auto refusal = refuseUnlessUtf8(request.body, "the enrollment")) return *refusal;
  auto body = jsonBody(request.body);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  const Object& in = **body;
  if (!in.has("token") || !in.get("token").isString() || !in.has("csr") ||
      !in.get("csr").isString()) {
    return errorResponse(400, "malformed", "'token' and 'csr' must be strings");
  }
  const std::string hostname = stringMember(in, "hostname");
  // JSON escapes (a lone surrogate) can decode to what is not UTF-8 either.
  if (auto refusal = refuseUnlessUtf8(hostname, "'hostname'")) return *refusal;
  const std::string deviceId = newDeviceId();
  auto signedCert = ca_.sign(in.getValue<std::string>("csr"), deviceId, settings_.certificateDays);
  if (!signedCert) return errorResponse(400, "bad_csr", signedCert.status().message());

  const TimePoint now = WallClock::now();
  Device device;
  device.id = deviceId;
  device.hostname = truncateUtf8(hostname, kMaxHostnameBytes);
  device.enrolledAt = formatTimestamp(now);
  device.certificateSerial = signedCert->serial;
  device.certificateExpires = signedCert->expires;
  auto outcome = storage_.enrollDevice(sha256Hex(in.getValue<std::string>("token")), now, device);
  if (!outcome) return storageFailure(outcome.status());
  switch (*outcome) {
    case EnrollOutcome::kUnknownToken:
      return errorResponse(403, "invalid_token", "the enrollment token is not known");
    case EnrollOutcome::kTokenExhausted:
      return errorResponse(403, "token_used_up", "the enrollment token has no uses left");
    case EnrollOutcome::kTokenExpired:
      return errorResponse(403, "token_expired", "the enrollment token has expired");
    case EnrollOutcome::kEnrolled:
      break;
  }
  logger("collector")
      .information("enrolled device " + deviceId + " (" + escapeControlCharacters(device.hostname) +
                   ")");
  Object::Ptr out = new Object;
  out->set("device_id", deviceId);
  out->set("certificate", signedCert->pem);
  out->set("certificate_expires", signedCert->expires);
  out->set("ca_certificate", ca_.certificatePem());
  if (settings_.orderKeys) out->set("order_keys", settings_.orderKeys);
  return ok(201, out);
}

ApiResponse CollectorService::renew(const ApiRequest& request, const std::string& deviceId) const {
  if (auto refusal = refuseUnlessJson(request)) return *refusal;
  auto body = jsonBody(request.body);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  if (!(*body)->has("csr") || !(*body)->get("csr").isString()) {
    return errorResponse(400, "malformed", "'csr' must be a string");
  }
  return issueRenewal(deviceId, (*body)->getValue<std::string>("csr"));
}

ApiResponse CollectorService::renewExpired(const ApiRequest& request) const {
  if (auto refusal = refuseUnlessJson(request)) return *refusal;
  auto body = jsonBody(request.body);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  const Object& in = **body;
  if (!in.has("csr") || !in.get("csr").isString() || !in.has("certificate") ||
      !in.get("certificate").isString()) {
    return errorResponse(401, "client_certificate_required",
                         "renew with the device's client certificate, or, once it has expired, "
                         "send it as 'certificate' with a 'csr' signed by its key");
  }
  const std::string csr = in.getValue<std::string>("csr");
  auto issued = ca_.checkKeyHolder(in.getValue<std::string>("certificate"), csr);
  if (!issued) return errorResponse(403, "not_key_holder", issued.status().message());
  const int64_t expiredFor = -issued->secondsUntilExpiry;
  if (expiredFor > int64_t{settings_.renewalGraceDays} * 86400) {
    return errorResponse(403, "beyond_grace",
                         "the certificate expired " + std::to_string(expiredFor / 86400) +
                             " days ago, more than enrollment.renewal_grace_days (" +
                             std::to_string(settings_.renewalGraceDays) + "): enroll again");
  }
  auto revoked = storage_.revocation(issued->serial);
  if (!revoked) return storageFailure(revoked.status());
  if (revoked->has_value()) {
    return errorResponse(
        403, "certificate_revoked",
        "certificate " + issued->serial + " was revoked at " + (*revoked)->revokedAt);
  }
  auto device = storage_.device(issued->commonName);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) {
    return errorResponse(403, "unknown_device", "the certificate is not an enrolled device's");
  }
  if (auto refusal = refuseIfRetired(**device)) return *refusal;
  // Only the device's latest certificate renews: one superseded by a renewal, or
  // replaced after a revocation, stays of no use.
  if ((*device)->certificateSerial != issued->serial) {
    return errorResponse(
        403, "superseded_certificate",
        "the certificate is not the device's latest (" + (*device)->certificateSerial + ")");
  }
  logger("collector")
      .information("device " + issued->commonName + " renews a certificate that expired " +
                   std::to_string(expiredFor / 3600) + " h ago");
  return issueRenewal(issued->commonName, csr);
}

ApiResponse CollectorService::issueRenewal(const std::string& deviceId,
                                           const std::string& csr) const {
  auto signedCert = ca_.sign(csr, deviceId, settings_.certificateDays);
  if (!signedCert) return errorResponse(400, "bad_csr", signedCert.status().message());
  Status renewed = storage_.renewDevice(deviceId, signedCert->serial, signedCert->expires);
  if (!renewed) return storageFailure(renewed);
  Object::Ptr out = new Object;
  out->set("device_id", deviceId);
  out->set("certificate", signedCert->pem);
  out->set("certificate_expires", signedCert->expires);
  return ok(200, out);
}

ApiResponse CollectorService::reports(const ApiRequest& request,
                                      const std::string& deviceId) const {
  if (auto refusal = refuseUnlessJson(request)) return *refusal;
  if (request.contentEncoding != "gzip") {
    return errorResponse(415, "unsupported_encoding", "Content-Encoding must be gzip");
  }
  if (!report::isValidIdentifier(request.idempotencyKey)) {
    return errorResponse(400, "bad_idempotency_key",
                         "Idempotency-Key must be 1..128 of [A-Za-z0-9._:-]");
  }
  // Before the body is decompressed and parsed: a flood costs the collector little.
  if (auto wait = reportLimiter_.take(deviceId, std::chrono::steady_clock::now())) {
    logger("collector")
        .warning("device " + deviceId + " over its report rate: 429, retry after " +
                 std::to_string(wait->count()) + " s");
    ApiResponse response =
        errorResponse(429, "rate_limited",
                      "more than limits.device_reports_per_minute report batches from this device");
    response.retryAfterSeconds = static_cast<int>(wait->count());
    return response;
  }
  auto json = report::gzipDecompress(request.body, settings_.maxBatchBytes);
  if (!json) return errorResponse(400, "bad_gzip", json.status().message());
  if (auto refusal = refuseUnlessUtf8(*json, "the batch")) return *refusal;
  auto batch = report::parseReportBatch(*json, settings_.maxBatchRecords);
  if (!batch) return errorResponse(400, "malformed", batch.status().message());
  if (batch->deviceId != deviceId) {
    return errorResponse(403, "device_mismatch",
                         "the batch's device_id is not the client certificate's device");
  }
  if (batch->idempotencyKey != request.idempotencyKey) {
    return errorResponse(400, "bad_idempotency_key",
                         "Idempotency-Key differs from the batch's batch_id");
  }
  for (auto& record : batch->records) {
    for (const RecordCheck* check : checks_) {
      if (auto refusal = check->check(deviceId, record)) return *refusal;
    }
  }
  auto outcome = storage_.storeBatch(*batch, WallClock::now());
  if (!outcome) return storageFailure(outcome.status());
  if (*outcome == BatchOutcome::kConflict) {
    return errorResponse(409, "idempotency_conflict",
                         "this Idempotency-Key was used before for a different batch");
  }
  Object::Ptr out = new Object;
  out->set("status", *outcome == BatchOutcome::kStored ? "stored" : "duplicate");
  out->set("records", static_cast<int64_t>(batch->records.size()));
  return ok(200, out);
}

ApiResponse CollectorService::admin(const ApiRequest& request) const {
  auto admitted = administrators_.admit(request);
  if (auto* refusal = std::get_if<ApiResponse>(&admitted)) return *refusal;
  Poco::StringTokenizer parts(request.path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  if (parts.count() == 3 && parts[2] == "devices") {
    auto devices = storage_.devices();
    if (!devices) return storageFailure(devices.status());
    Array::Ptr list = new Array;
    for (const auto& d : *devices) list->add(deviceJson(d));
    Object::Ptr out = new Object;
    out->set("devices", list);
    return ok(200, out);
  }
  return errorResponse(404, "not_found", "no endpoint " + request.path);
}

}  // namespace tillid::collector
