#pragma once
// The device's gate for signed orders (signed_order.h): one object per running agent,
// shared by every task handler that needs an order (investigations, offboarding, key
// rotation). accept() checks everything and consumes the nonce; the order may be acted
// on only when it returns a key. Refusals are kPermission with a sentence the
// administrator sees (it travels back as the task's refusal reason).
// Thread-safe.
//
// The checks without state are protocol/order_check.h; this adds the nonce.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "protocol/order_check.h"
#include "store/writer.h"

namespace tillid::tasks {

class OrderVerifier final {
 public:
  // `keysPath`: the trusted-keys file (loaded now; absent: nothing is trusted).
  // `writer` must outlive the verifier.
  static Result<std::unique_ptr<OrderVerifier>> open(std::string deviceId, std::string keysPath,
                                                     store::Writer& writer,
                                                     OrderValidityLimits limits = {});

  // What an accepted order does in the nonce's transaction; when it fails, the nonce is
  // not spent and the same order may come again.
  using Action = std::function<Status(store::Database&)>;

  // checkOrder(), then records the nonce and runs `act` in one transaction (committed
  // before returning). Returns the key that signed.
  Result<TrustedKey> accept(const SignedOrder& order, const OrderExpectation& expected,
                            TimePoint now = WallClock::now(), const Action& act = nullptr);

  // Replaces the trusted keys with the set in the order's params ({"version", "keys"}):
  // type "trusted-keys", purpose "key-rotation", signed by a key trusted now (any role),
  // version higher than the current one. Saved before returning.
  Result<TrustedKeys> rotate(const SignedOrder& order, TimePoint now = WallClock::now());

  TrustedKeys keys() const;
  const std::string& deviceId() const { return deviceId_; }

 private:
  OrderVerifier(std::string deviceId, std::string keysPath, store::Writer& writer, TrustedKeys keys,
                OrderValidityLimits limits)
      : deviceId_(std::move(deviceId)),
        keysPath_(std::move(keysPath)),
        limits_(limits),
        writer_(writer),
        keys_(std::move(keys)) {}
  // REQUIRES: mutex_ held.
  Status consume(const SignedOrder& order, TimePoint now, const Action& act);

  const std::string deviceId_;
  const std::string keysPath_;
  const OrderValidityLimits limits_;
  store::Writer& writer_;
  mutable std::mutex mutex_;  // serialises accept/rotate: one nonce check at a time
  TrustedKeys keys_;          // GUARDED_BY(mutex_)
};

}  // namespace tillid::tasks
