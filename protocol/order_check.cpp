#include "protocol/order_check.h"

namespace tillid::tasks {
Status orderRefused(const std::string& reason) {
  return Status::error(ErrorCode::kPermission, "signed order refused: " + reason);
}

std::chrono::hours OrderValidityLimits::forType(const std::string& type) const {
  if (type == "offboard") return offboard;
  if (type == "trusted-keys") return trustedKeys;
  return investigation;
}

OrderValidityLimits orderValidityLimits(const Config& config) {
  OrderValidityLimits limits;
  limits.investigation = std::chrono::hours(config.integer("tasks.order_max_hours.investigation"));
  limits.offboard = std::chrono::hours(config.integer("tasks.order_max_hours.offboard"));
  limits.trustedKeys = std::chrono::hours(config.integer("tasks.order_max_hours.trusted_keys"));
  return limits;
}

Result<TrustedKey> checkOrder(const SignedOrder& order, const TrustedKeys& keys,
                              const std::string& deviceId, const OrderExpectation& expected,
                              const OrderValidityLimits& limits, TimePoint now) {
  const TrustedKey* key = keys.find(order.keyId);
  if (key == nullptr) return orderRefused("key " + order.keyId + " is not trusted to sign orders");
  if (!verifyEd25519(key->publicKey, canonicalOrder(order.order), order.signature)) {
    return orderRefused("the signature does not verify with key " + key->id + " (" + key->name +
                        ")");
  }
  if (!expected.role.empty() && key->role != expected.role) {
    return orderRefused("key " + key->id + " (" + key->name + ") has role " + key->role + ", '" +
                        expected.type + "' needs " + expected.role);
  }
  if (order.order.device != deviceId) {
    return orderRefused("the order is for device " + order.order.device + ", this is " + deviceId);
  }
  if (order.order.type != expected.type) {
    return orderRefused("the order is for '" + order.order.type + "', the task is '" +
                        expected.type + "'");
  }
  if (order.order.purpose != expected.purpose) {
    return orderRefused("the order's purpose is '" + order.order.purpose + "', the task's '" +
                        expected.purpose + "'");
  }
  if (expected.caseRef && order.order.caseRef != *expected.caseRef) {
    return orderRefused("the order's case is '" + order.order.caseRef + "', the task's '" +
                        *expected.caseRef + "'");
  }
  const auto expires = parseTimestamp(order.order.expires);
  if (!expires) return orderRefused("unreadable expiry '" + order.order.expires + "'");
  if (*expires <= now) return orderRefused("the order expired at " + order.order.expires);
  const auto longest = limits.forType(order.order.type);
  if (*expires - now > longest) {
    return orderRefused("the order is valid until " + order.order.expires + ", longer than the " +
                        std::to_string(longest.count()) + " hours allowed for '" +
                        order.order.type + "'");
  }
  const size_t nonceLength = order.order.nonce.size();
  if (nonceLength < 16 || nonceLength > 128)
    return orderRefused("the nonce must be 16..128 characters");
  return *key;
}

}  // namespace tillid::tasks
