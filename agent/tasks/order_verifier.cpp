#include "agent/tasks/order_verifier.h"

#include "agent/tasks/nonce_store.h"

namespace tillid::tasks {
namespace {

Status refuse(const std::string& reason) {
  return Status::error(ErrorCode::kPermission, "signed order refused: " + reason);
}

}  // namespace

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
  if (key == nullptr) return refuse("key " + order.keyId + " is not trusted to sign orders");
  if (!verifyEd25519(key->publicKey, canonicalOrder(order.order), order.signature)) {
    return refuse("the signature does not verify with key " + key->id + " (" + key->name + ")");
  }
  if (!expected.role.empty() && key->role != expected.role) {
    return refuse("key " + key->id + " (" + key->name + ") has role " + key->role + ", '" +
                  expected.type + "' needs " + expected.role);
  }
  if (order.order.device != deviceId) {
    return refuse("the order is for device " + order.order.device + ", this is " + deviceId);
  }
  if (order.order.type != expected.type) {
    return refuse("the order is for '" + order.order.type + "', the task is '" + expected.type +
                  "'");
  }
  if (order.order.purpose != expected.purpose) {
    return refuse("the order's purpose is '" + order.order.purpose + "', the task's '" +
                  expected.purpose + "'");
  }
  if (expected.caseRef && order.order.caseRef != *expected.caseRef) {
    return refuse("the order's case is '" + order.order.caseRef + "', the task's '" +
                  *expected.caseRef + "'");
  }
  const auto expires = parseTimestamp(order.order.expires);
  if (!expires) return refuse("unreadable expiry '" + order.order.expires + "'");
  if (*expires <= now) return refuse("the order expired at " + order.order.expires);
  const auto longest = limits.forType(order.order.type);
  if (*expires - now > longest) {
    return refuse("the order is valid until " + order.order.expires + ", longer than the " +
                  std::to_string(longest.count()) + " hours allowed for '" + order.order.type +
                  "'");
  }
  const size_t nonceLength = order.order.nonce.size();
  if (nonceLength < 16 || nonceLength > 128) return refuse("the nonce must be 16..128 characters");
  return *key;
}

Result<std::unique_ptr<OrderVerifier>> OrderVerifier::open(std::string deviceId,
                                                           std::string keysPath,
                                                           store::Writer& writer,
                                                           OrderValidityLimits limits) {
  auto keys = TrustedKeys::load(keysPath);
  if (!keys) return keys.status();
  return std::unique_ptr<OrderVerifier>(new OrderVerifier(std::move(deviceId), std::move(keysPath),
                                                          writer, std::move(*keys), limits));
}

Status OrderVerifier::consume(const SignedOrder& order, TimePoint now, const Action& act) {
  auto outcome = store::runInWriter<NonceOutcome>(writer_, [order, now, act](store::Database& db) {
    auto consumed = consumeNonce(db, order, now);
    if (!consumed || *consumed == NonceOutcome::kReplayed || !act) return consumed;
    if (Status acted = act(db); !acted) return Result<NonceOutcome>(acted);
    return consumed;
  });
  if (!outcome) return outcome.status();
  if (*outcome == NonceOutcome::kReplayed) {
    return refuse("nonce " + order.order.nonce + " was accepted before (replay)");
  }
  return Status::ok();
}

Result<TrustedKey> OrderVerifier::accept(const SignedOrder& order, const OrderExpectation& expected,
                                         TimePoint now, const Action& act) {
  std::lock_guard lock(mutex_);
  auto key = checkOrder(order, keys_, deviceId_, expected, limits_, now);
  if (!key) return key.status();
  TILLID_RETURN_IF_ERROR(consume(order, now, act));
  return key;
}

Result<TrustedKeys> OrderVerifier::rotate(const SignedOrder& order, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto key = checkOrder(order, keys_, deviceId_, {"trusted-keys", "key-rotation", std::nullopt, ""},
                        limits_, now);
  if (!key) return key.status();
  auto next = TrustedKeys::fromJson(order.order.params);
  if (!next) return refuse(next.status().message());
  if (next->version() <= keys_.version()) {
    return refuse("key set version " + std::to_string(next->version()) + " is not newer than " +
                  std::to_string(keys_.version()));
  }
  TILLID_RETURN_IF_ERROR(consume(order, now, nullptr));
  TILLID_RETURN_IF_ERROR(next->save(keysPath_));
  keys_ = *next;
  return next;
}

TrustedKeys OrderVerifier::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

}  // namespace tillid::tasks
