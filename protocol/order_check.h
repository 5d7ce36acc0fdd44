#pragma once
// The checks of a signed order (signed_order.h) that need no state: the device runs them
// before it consumes the order's nonce (agent/tasks/order_verifier.h), and the collector
// runs the same function before it queues an order, so an order the device would refuse
// is refused at once. Refusals are kPermission with a sentence the administrator sees.

#include <chrono>
#include <optional>
#include <string>

#include "common/config.h"
#include "common/result.h"
#include "common/time.h"
#include "protocol/signed_order.h"
#include "protocol/trusted_keys.h"

namespace tillid::tasks {

// What the task that carried the order says; the order must say the same.
struct OrderExpectation {
  std::string type;
  std::string purpose;
  std::optional<std::string> caseRef;  // nullopt: any case (key rotation)
  std::string role;                    // the signing key's required role; "": any role
};

// The longest an order may still be valid when it is checked, by kind. An order valid
// for longer is refused: a signature must not stay usable for years.
struct OrderValidityLimits {
  std::chrono::hours investigation{24 * 7};  // the named queries
  std::chrono::hours offboard{24 * 60};
  std::chrono::hours trustedKeys{24 * 7};

  // The limit for an order of `type`; every type other than "offboard" and
  // "trusted-keys" is a query.
  std::chrono::hours forType(const std::string& type) const;
};

// The "tasks.order_max_hours.*" keys (agent and collector configuration alike).
OrderValidityLimits orderValidityLimits(const Config& config);

// Signature by a key in `keys`, the key's role, device, type, purpose, case, expiry, the
// maximum validity and the nonce's form; not whether the nonce was used. kPermission
// with the sentence the administrator sees.
Result<TrustedKey> checkOrder(const SignedOrder& order, const TrustedKeys& keys,
                              const std::string& deviceId, const OrderExpectation& expected,
                              const OrderValidityLimits& limits, TimePoint now);

// kPermission "signed order refused: <reason>".
Status orderRefused(const std::string& reason);

}  // namespace tillid::tasks
