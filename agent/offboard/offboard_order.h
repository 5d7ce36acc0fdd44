#pragma once
// Accepting an offboarding order: only a signed order (tasks/signed_order.h) of type
// "offboard", purpose "offboarding", signed by a trusted key with the offboarding role,
// naming this device, unexpired and with a never-seen nonce starts a run. The profile is
// the order's params.profile. Everything else is refused with the verifier's reason: a
// compromised collector alone cannot order a reset.

#include <functional>
#include <string>

#include "agent/offboard/offboard_engine.h"
#include "agent/tasks/order_verifier.h"
#include "agent/tasks/task.h"
#include "store/writer.h"

namespace tillid::offboard {

inline constexpr const char* kOffboardTaskType = "offboard";
inline constexpr const char* kOffboardPurpose = "offboarding";

// Verifies the order against `caseRef` (the task's case) and records the run with its
// plan, in the transaction that spends the nonce (through the verifier's writer): an
// order refused because a run exists can be used again.
Result<AcceptedOrder> acceptOffboardOrder(tasks::OrderVerifier& verifier,
                                          const tasks::SignedOrder& order,
                                          const std::string& caseRef,
                                          const OffboardSettings& settings,
                                          const std::string& databasePath);

// The same for an order delivered as a file (`tillid-agent offboard accept`): the device
// id and trusted keys come from the enrollment in `stateDir`. Takes the database's
// connection for its own writer.
Result<AcceptedOrder> acceptOrderText(const std::string& orderJson,
                                      const OffboardSettings& settings,
                                      const tasks::OrderValidityLimits& limits,
                                      const std::string& stateDir, store::Database db);

// Registers the "offboard" task handler; `onAccepted` starts carrying out the run.
void registerOffboarding(tasks::TaskDispatcher& dispatcher, tasks::OrderVerifier& verifier,
                         OffboardSettings settings, std::string databasePath,
                         std::function<void()> onAccepted);

}  // namespace tillid::offboard
