#pragma once
// The one rule for every administrator route (docs/protocol.md, "Administrators"): the
// client certificate's CN is listed in admin.common_names AND its OU is an administrator
// role (tasks::isAdministratorRole). Removing a CN from the list removes every access,
// whatever role its certificate still carries. Each route then checks the role it needs.
// Thread-safe (immutable after construction).

#include <string>
#include <variant>
#include <vector>

#include "collector/collector_service.h"

namespace tillid::collector {

// An administrator the gate let through.
struct Administrator {
  std::string commonName;
  std::string role;  // viewer, investigator or offboarding
};

class AdministratorGate {
 public:
  explicit AdministratorGate(std::vector<std::string> commonNames)
      : commonNames_(std::move(commonNames)) {}

  // The administrator behind the request, or the refusal to send: 401 without a client
  // certificate, 403 not_administrator for a CN not listed, 403 no_role without a role.
  std::variant<Administrator, ApiResponse> admit(const ApiRequest& request) const;

 private:
  const std::vector<std::string> commonNames_;
};

}  // namespace tillid::collector
