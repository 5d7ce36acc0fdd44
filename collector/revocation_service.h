#pragma once
// Administrators' endpoints for taking devices and certificates out of service
// (docs/protocol.md, docs/operations.md):
//   POST /v1/admin/devices/{id}/retire  {"reason": ...}   the device leaves the active
//        list, its current certificate is revoked, its records stay until retention
//        removes them
//   POST /v1/admin/revocations {"serial": HEX, "reason": ...}  revoke any certificate
//        (a stolen device's, an administrator's)
//   GET  /v1/admin/revocations            what is revoked, newest first
// Changes need the offboarding role and go to the access log (device.retired,
// certificate.revoked); any administrator role may list. The refusal of revoked
// certificates is collector/certificate_revocation.h. Thread-safe.

#include <optional>

#include "collector/administrator_gate.h"
#include "collector/collector_service.h"
#include "collector/storage.h"
#include "collector/task_store.h"

namespace tillid::collector {

class RevocationService final : public ApiRoutes {
 public:
  // `storage`, `tasks` and `gate` must outlive the service.
  RevocationService(Storage& storage, TaskStore& tasks, const AdministratorGate& gate)
      : storage_(storage), tasks_(tasks), gate_(gate) {}

  std::optional<ApiResponse> route(const ApiRequest& request) const override;

 private:
  ApiResponse retire(const ApiRequest& request, const std::string& deviceId) const;
  ApiResponse revoke(const ApiRequest& request) const;
  ApiResponse list() const;

  Storage& storage_;
  TaskStore& tasks_;
  const AdministratorGate& gate_;
};

}  // namespace tillid::collector
