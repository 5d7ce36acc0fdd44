#pragma once
// The administrators' reads of what devices uploaded about people (docs/protocol.md,
// "Reads"), under the same purpose rules as a query to the device (purpose_rules.h):
//   POST /v1/admin/reads  {"device", "what", "purpose", "case", "draw", "order", "params"}
//     what: usage-summary (volumes per category and service), usage-detail (hourly rows
//     with user and destination), flags (Citrix streaming flags), certificate (the
//     latest certificate of sanitization)
//     spot-check: "draw" names a draw of the last 24 hours that drew this device
//     investigation: "case" and "order", an order for this device, of type `what`,
//     purpose investigation and this case, signed by an investigator's key; it opens the
//     case's reads of this device until it expires (its nonce is not used up here, so
//     the same order may also be queued to the device once)
//     params: since, until (usage), user (usage-detail), limit
// Every read and every refusal goes to the access log (read.answered, read.refused) with
// who, role, purpose, case and what; each answered read is also sent to the device as a
// "collector-read" task, so the employee's own view lists it beside the device's answers.
// Thread-safe.

#include <optional>

#include "collector/administrator_gate.h"
#include "collector/collector_service.h"
#include "collector/storage.h"
#include "collector/task_service.h"
#include "collector/task_store.h"
#include "protocol/order_check.h"
#include "protocol/trusted_keys.h"

namespace tillid::collector {

class PersonalDataReads final : public ApiRoutes {
 public:
  // Every reference must outlive the service.
  PersonalDataReads(Storage& storage, TaskStore& tasks, TaskService& taskService,
                    const AdministratorGate& gate, tasks::TrustedKeys orderKeys,
                    tasks::OrderValidityLimits orderValidity)
      : storage_(storage),
        tasks_(tasks),
        taskService_(taskService),
        gate_(gate),
        orderKeys_(std::move(orderKeys)),
        orderValidity_(orderValidity) {}

  std::optional<ApiResponse> route(const ApiRequest& request) const override;

 private:
  struct Read;  // one parsed request
  ApiResponse read(const ApiRequest& request, const Administrator& admin) const;
  // OK when the purpose rules, the draw or the order let `read` through.
  Status permit(const Read& read, const std::string& role) const;
  // The answer's body and how many rows it holds.
  Result<std::pair<Poco::JSON::Object::Ptr, int64_t>> answer(const Read& read) const;

  Storage& storage_;
  TaskStore& tasks_;
  TaskService& taskService_;
  const AdministratorGate& gate_;
  const tasks::TrustedKeys orderKeys_;
  const tasks::OrderValidityLimits orderValidity_;
};

// Logs a read of `deviceId`'s data (action read.answered or read.refused) by `admin`.
Status logRead(TaskStore& tasks, const Administrator& admin, const std::string& action,
               const std::string& deviceId, const std::string& purpose, const std::string& caseRef,
               const Poco::JSON::Object::Ptr& details);

}  // namespace tillid::collector
