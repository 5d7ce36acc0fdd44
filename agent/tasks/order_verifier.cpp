#include "agent/tasks/order_verifier.h"

#include "agent/tasks/nonce_store.h"

namespace tillid::tasks {

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
    return orderRefused("nonce " + order.order.nonce + " was accepted before (replay)");
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
  if (!next) return orderRefused(next.status().message());
  if (next->version() <= keys_.version()) {
    return orderRefused("key set version " + std::to_string(next->version()) +
                        " is not newer than " + std::to_string(keys_.version()));
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
