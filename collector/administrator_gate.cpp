#include "collector/administrator_gate.h"

#include <algorithm>

#include "protocol/signed_order.h"

namespace tillid::collector {

std::variant<Administrator, ApiResponse> AdministratorGate::admit(const ApiRequest& request) const {
  if (!request.clientCommonName) {
    return errorResponse(401, "client_certificate_required",
                         "administrators present their client certificate");
  }
  const std::string& name = *request.clientCommonName;
  if (std::find(commonNames_.begin(), commonNames_.end(), name) == commonNames_.end()) {
    return errorResponse(403, "not_administrator",
                         "the client certificate is not an administrator's");
  }
  if (!tasks::isAdministratorRole(request.clientOrganizationalUnit)) {
    return errorResponse(403, "no_role",
                         "administrator certificates carry a role in their OU (viewer, "
                         "investigator, offboarding)");
  }
  return Administrator{name, request.clientOrganizationalUnit};
}

}  // namespace tillid::collector
