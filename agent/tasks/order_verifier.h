#pragma once
// The device's gate for signed orders (signed_order.h): one object per running agent,
// shared by every task handler that needs an order (investigations, offboarding, key
// rotation). accept() checks everything and consumes the nonce; the order may be acted
// on only when it returns a key. Refusals are kPermission with a sentence the
// administrator sees (it travels back as the task's refusal reason).
// Thread-safe.
//
// checkOrder() is every check but the nonce, without state: the collector runs the same
// function before it queues an order, so an order the device would refuse is refused at
// once.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "agent/core/config.h"
#include "agent/store/writer.h"
#include "agent/tasks/signed_order.h"
#include "agent/tasks/trusted_keys.h"

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
