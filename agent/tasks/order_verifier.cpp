#include "agent/tasks/order_verifier.h"

#include "agent/tasks/nonce_store.h"

namespace tillid::tasks {
namespace {

Status refuse(const std::string& reason) {
  return Status::error(ErrorCode::kPermission, "signed order refused: " + reason);
}

}  // namespace

Result<std::unique_ptr<OrderVerifier>> OrderVerifier::open(std::string deviceId,
                                                           std::string keysPath,
                                                           store::Writer& writer) {
  auto keys = TrustedKeys::load(keysPath);
  if (!keys) return keys.status();
  return std::unique_ptr<OrderVerifier>(
      new OrderVerifier(std::move(deviceId), std::move(keysPath), writer, std::move(*keys)));
}

Result<TrustedKey> OrderVerifier::check(const SignedOrder& order, const std::string& type,
                                        TimePoint now) const {
  const TrustedKey* key = keys_.find(order.keyId);
  if (key == nullptr) return refuse("key " + order.keyId + " is not trusted by this device");
  if (!verifyEd25519(key->publicKey, canonicalOrder(order.order), order.signature)) {
    return refuse("the signature does not verify with key " + key->id + " (" + key->name + ")");
  }
  if (order.order.device != deviceId_) {
    return refuse("the order is for device " + order.order.device + ", this is " + deviceId_);
  }
  if (order.order.type != type) {
    return refuse("the order is for '" + order.order.type + "', the task is '" + type + "'");
  }
  const auto expires = parseTimestamp(order.order.expires);
  if (!expires) return refuse("unreadable expiry '" + order.order.expires + "'");
  if (*expires <= now) return refuse("the order expired at " + order.order.expires);
  const size_t nonceLength = order.order.nonce.size();
  if (nonceLength < 16 || nonceLength > 128) return refuse("the nonce must be 16..128 characters");
  return *key;
}

Status OrderVerifier::consume(const SignedOrder& order, TimePoint now) {
  auto outcome = store::runInWriter<NonceOutcome>(
      writer_, [order, now](store::Database& db) { return consumeNonce(db, order, now); });
  if (!outcome) return outcome.status().withContext("recording the order's nonce");
  if (*outcome == NonceOutcome::kReplayed) {
    return refuse("nonce " + order.order.nonce + " was accepted before (replay)");
  }
  return Status::ok();
}

Result<TrustedKey> OrderVerifier::accept(const SignedOrder& order,
                                         const OrderExpectation& expected, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto key = check(order, expected.type, now);
  if (!key) return key.status();
  if (key->role != expected.role) {
    return refuse("key " + key->id + " (" + key->name + ") has role " + key->role + ", '" +
                  expected.type + "' needs " + expected.role);
  }
  if (order.order.purpose != expected.purpose) {
    return refuse("the order's purpose is '" + order.order.purpose + "', the task's '" +
                  expected.purpose + "'");
  }
  if (order.order.caseRef != expected.caseRef) {
    return refuse("the order's case is '" + order.order.caseRef + "', the task's '" +
                  expected.caseRef + "'");
  }
  TILLID_RETURN_IF_ERROR(consume(order, now));
  return key;
}

Result<TrustedKeys> OrderVerifier::rotate(const SignedOrder& order, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto key = check(order, "trusted-keys", now);
  if (!key) return key.status();
  if (order.order.purpose != "key-rotation") return refuse("purpose must be 'key-rotation'");
  auto next = TrustedKeys::fromJson(order.order.params);
  if (!next) return refuse(next.status().message());
  if (next->version() <= keys_.version()) {
    return refuse("key set version " + std::to_string(next->version()) +
                  " is not newer than " + std::to_string(keys_.version()));
  }
  TILLID_RETURN_IF_ERROR(consume(order, now));
  TILLID_RETURN_IF_ERROR(next->save(keysPath_));
  keys_ = *next;
  return next;
}

TrustedKeys OrderVerifier::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

}  // namespace tillid::tasks
