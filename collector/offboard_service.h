#pragma once
// The collector's side of the verified device reset (docs/offboarding.md).
//   Uploads: a record of kind "certificate" (a certificate of sanitization, agent/report/
//   sanitization_signature.h) is stored only when its signature verifies with the key of
//   the device certificate it carries, and that certificate was issued by this
//   collector's CA to the sending device and the certificate names the sending device.
//   The stored payload gains "collector_verification" (what was checked, when, the
//   device certificate's serial). Anything else refuses the whole batch (422
//   certificate_refused) and goes to the access log as certificate.refused.
//   Records of kind "offboard-progress" (the agent's latest snapshot of a run) are stored
//   as they come.
//   Administrators (the offboarding role; each read is in the access log):
//     GET /v1/admin/offboard/{device}      the latest offboard order's task, the latest
//                                          progress snapshot, the certificate's arrival
//     GET /v1/admin/certificates/{device}  the latest verified certificate
// Thread-safe.

#include <optional>
#include <string>

#include "collector/administrator_gate.h"
#include "collector/certificate_authority.h"
#include "collector/collector_service.h"
#include "collector/storage.h"
#include "collector/task_store.h"

namespace tillid::collector {

class OffboardService final : public ApiRoutes, public RecordCheck {
 public:
  // `storage`, `tasks`, `ca` and `gate` must outlive the service.
  OffboardService(Storage& storage, TaskStore& tasks, const CertificateAuthority& ca,
                  const AdministratorGate& gate)
      : storage_(storage), tasks_(tasks), ca_(ca), gate_(gate) {}

  std::optional<ApiResponse> route(const ApiRequest& request) const override;
  std::optional<ApiResponse> check(const std::string& deviceId,
                                   ReportRecord& record) const override;

 private:
  ApiResponse status(const std::string& deviceId) const;
  ApiResponse certificate(const std::string& deviceId) const;
  // The annotated payload, or why the certificate is refused.
  Result<std::string> verifyCertificate(const std::string& deviceId,
                                        const std::string& payload) const;

  Storage& storage_;
  TaskStore& tasks_;
  const CertificateAuthority& ca_;
  const AdministratorGate& gate_;
};

}  // namespace tillid::collector
