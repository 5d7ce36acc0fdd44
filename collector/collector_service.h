#pragma once
// The collector's API (docs/protocol.md) independent of the HTTP server: a request with
// its already-read body and the client certificate's verified common name goes in, a
// status and a JSON body come out. Every refusal is a 4xx with
// {"error": {"code": ..., "message": ...}} and changes nothing in storage.
// Thread-safe: handle() is called from every server thread at once.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "collector/certificate_authority.h"
#include "collector/rate_limiter.h"
#include "collector/storage.h"

namespace tillid::collector {

class AdministratorGate;  // collector/administrator_gate.h

struct ApiRequest {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // after '?', or ""
  std::string contentType;
  std::string contentEncoding;
  std::string idempotencyKey;
  std::string body;
  // CN of the client certificate the TLS layer verified against the CA; empty: none.
  std::optional<std::string> clientCommonName;
  // Its OU: an administrator's role (viewer, investigator, offboarding); "" when none.
  std::string clientOrganizationalUnit;
};

struct ApiResponse {
  int status = 200;
  Poco::JSON::Object::Ptr body;
  int retryAfterSeconds = 0;  // > 0: sent as Retry-After (429, 503)
};

struct ServiceSettings {
  size_t maxBatchBytes = 32 << 20;
  size_t maxBatchRecords = 20000;
  int64_t deviceReportsPerMinute = 0;  // 0: unlimited (collector/rate_limiter.h)
  int64_t deviceReportBurst = 1;
  int certificateDays = 90;
  int renewalGraceDays = 60;  // how long after expiry a device may still renew
  // The administrators' order-signing keys, handed to devices at enrollment; null: none.
  Poco::JSON::Object::Ptr orderKeys;
};

// Further endpoints registered on the service (e.g. collector/task_service.h), tried
// before the built-in ones. Implementations are thread-safe.
class ApiRoutes {
 public:
  virtual ~ApiRoutes() = default;
  // The answer when the request is one of these routes, nullopt otherwise.
  virtual std::optional<ApiResponse> route(const ApiRequest& request) const = 0;
};

// Checks uploaded records before a batch is stored (collector/offboard_service.h checks
// certificates of sanitization). Thread-safe.
class RecordCheck {
 public:
  virtual ~RecordCheck() = default;
  // nullopt to store the record (whose payload the check may annotate), or the refusal
  // of the whole batch: then nothing of it is stored.
  virtual std::optional<ApiResponse> check(const std::string& deviceId,
                                           ReportRecord& record) const = 0;
};

// A JSON error response.
ApiResponse errorResponse(int status, const std::string& code, const std::string& message);
// The 503 (with Retry-After) for a storage that failed; the reason goes to the log only.
ApiResponse storageFailure(const Status& status);

// A usage row as JSON, with the protocol's field names (docs/protocol.md); the
// PostgreSQL storage reads the same names back (postgres_storage.cpp).
Poco::JSON::Object::Ptr usageJson(const UsageRecord& u);

class CollectorService {
 public:
  // `storage`, `ca` and `administrators` must outlive the service.
  CollectorService(Storage& storage, const CertificateAuthority& ca,
                   const AdministratorGate& administrators, ServiceSettings settings);

  ApiResponse handle(const ApiRequest& request) const;
  // Adds routes. REQUIRES: before the server starts; `routes` outlives the service.
  void addRoutes(const ApiRoutes& routes) { routes_.push_back(&routes); }
  // Adds a check of uploaded records. REQUIRES: before the server starts; `check`
  // outlives the service.
  void addRecordCheck(const RecordCheck& check) { checks_.push_back(&check); }

 private:
  ApiResponse health() const;
  ApiResponse enroll(const ApiRequest& request) const;
  ApiResponse renew(const ApiRequest& request, const std::string& deviceId) const;
  // Renewal of an expired certificate, which the TLS handshake no longer accepts: the body
  // carries it with a CSR signed by its key.
  ApiResponse renewExpired(const ApiRequest& request) const;
  // Signs `csr` for the device and records the new certificate.
  ApiResponse issueRenewal(const std::string& deviceId, const std::string& csr) const;
  ApiResponse reports(const ApiRequest& request, const std::string& deviceId) const;
  ApiResponse admin(const ApiRequest& request) const;
  // The device behind the client certificate, or the refusal to send.
  std::optional<ApiResponse> refuseUnlessDevice(const ApiRequest& request) const;

  Storage& storage_;
  const CertificateAuthority& ca_;
  const AdministratorGate& administrators_;
  const ServiceSettings settings_;
  std::vector<const ApiRoutes*> routes_;
  std::vector<const RecordCheck*> checks_;
  mutable DeviceRateLimiter reportLimiter_;  // report batches per device
};

}  // namespace tillid::collector
