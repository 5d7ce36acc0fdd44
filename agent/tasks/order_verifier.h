#pragma once
// The device's gate for signed orders (signed_order.h): one object per running agent,
// shared by every task handler that needs an order (investigations, offboarding, key
// rotation). accept() checks everything and consumes the nonce; the order may be acted
// on only when it returns a key. Refusals are kPermission with a sentence the
// administrator sees (it travels back as the task's refusal reason).
// Thread-safe.

#include <mutex>
#include <string>

#include "agent/store/writer.h"
#include "agent/tasks/signed_order.h"
#include "agent/tasks/trusted_keys.h"

namespace tillid::tasks {

// What the task that carried the order says; the order must say the same.
struct OrderExpectation {
  std::string type;
  std::string purpose;
  std::string caseRef;
  std::string role;  // the signing key's required role
};

class OrderVerifier final {
 public:
  // `keysPath`: the trusted-keys file (loaded now; absent: nothing is trusted).
  // `writer` must outlive the verifier.
  static Result<std::unique_ptr<OrderVerifier>> open(std::string deviceId, std::string keysPath,
                                                     store::Writer& writer);

  // Verifies signature, key role, device, expiry and the expectation, then records the
  // nonce (committed before returning). Returns the key that signed.
  Result<TrustedKey> accept(const SignedOrder& order, const OrderExpectation& expected,
                            TimePoint now = WallClock::now());

  // Replaces the trusted keys with the set in the order's params ({"version", "keys"}):
  // type "trusted-keys", purpose "key-rotation", signed by a key trusted now (any role),
  // version higher than the current one. Saved before returning.
  Result<TrustedKeys> rotate(const SignedOrder& order, TimePoint now = WallClock::now());

  TrustedKeys keys() const;
  const std::string& deviceId() const { return deviceId_; }

 private:
  OrderVerifier(std::string deviceId, std::string keysPath, store::Writer& writer,
                TrustedKeys keys)
      : deviceId_(std::move(deviceId)),
        keysPath_(std::move(keysPath)),
        writer_(writer),
        keys_(std::move(keys)) {}
  // Everything but the nonce. REQUIRES: mutex_ held.
  Result<TrustedKey> check(const SignedOrder& order, const std::string& type, TimePoint now) const;
  Status consume(const SignedOrder& order, TimePoint now);

  const std::string deviceId_;
  const std::string keysPath_;
  store::Writer& writer_;
  mutable std::mutex mutex_;  // serialises accept/rotate: one nonce check at a time
  TrustedKeys keys_;          // GUARDED_BY(mutex_)
};

}  // namespace tillid::tasks
