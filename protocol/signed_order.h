#pragma once
// Signed orders: what an administrator's Ed25519 key authorises a device to do (reveal
// destination-level detail, reset itself, replace its trusted keys). The server alone
// cannot forge one: the device verifies, before acting,
//   - the signature, over the canonical JSON of the order, by a key it trusts
//     (trusted_keys.h) whose role allows the order (investigator, offboarding);
//   - that the order names this device, has not expired, and matches the task it came
//     with (type, purpose, case);
//   - that its nonce was never accepted before (nonce_store.h: persisted, so a replay is
//     refused across restarts).
// Wire form (inside a task): {"order": {...}, "key_id": "...", "signature": "<base64>"}.
// The checks live in order_verifier.h (OrderVerifier::accept); the task channel that
// carries orders and runs handlers registered by name is task_channel.h.

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "common/time.h"

namespace tillid::tasks {

// Administrator roles, as carried by their certificates (OU) and their signing keys.
inline constexpr const char* kRoleViewer = "viewer";
inline constexpr const char* kRoleInvestigator = "investigator";
inline constexpr const char* kRoleOffboarding = "offboarding";

inline bool isAdministratorRole(const std::string& role) {
  return role == kRoleViewer || role == kRoleInvestigator || role == kRoleOffboarding;
}

struct Order {
  std::string device;    // the device id the order is for
  std::string type;      // what is ordered: a query name ("usage-detail"), "offboard", ...
  std::string purpose;   // "investigation", "offboarding", "key-rotation"
  std::string caseRef;   // the case reference ("case" on the wire); may be empty
  std::string nonce;     // 16..128 of [A-Za-z0-9._:-], random
  std::string expires;   // formatTimestamp; the order is void from then on
  std::string issuedBy;  // the administrator's name
  Poco::JSON::Object::Ptr params = new Poco::JSON::Object;  // never null
};

struct SignedOrder {
  Order order;
  std::string keyId;      // which trusted key signed (keyIdOf its public key)
  std::string signature;  // base64 of the 64-byte Ed25519 signature over canonicalOrder()
};

// The signed bytes: canonical JSON of {device, type, purpose, case, nonce, expires,
// issued_by, params}.
std::string canonicalOrder(const Order& order);

Poco::JSON::Object::Ptr orderToJson(const Order& order);
Poco::JSON::Object::Ptr signedOrderToJson(const SignedOrder& signedOrder);
// Parses the wire form. kInvalidArgument names the missing or malformed field.
Result<SignedOrder> parseSignedOrder(const Poco::JSON::Object::Ptr& json);

// "k-" + the first 16 hex digits of SHA-256 over the raw 32-byte public key.
std::string keyIdOf(const std::string& publicKeyBase64);

// An administrator's Ed25519 private key (tillid-admin keeps it in a 0600 PEM file).
// Immutable after construction: thread-safe.
class OrderSigningKey final {
 public:
  static Result<OrderSigningKey> generate();
  static Result<OrderSigningKey> fromPem(const std::string& pem);

  std::string privateKeyPem() const;
  std::string publicKeyBase64() const;  // raw 32 bytes, base64
  std::string keyId() const { return keyIdOf(publicKeyBase64()); }
  Result<SignedOrder> sign(const Order& order) const;

 private:
  explicit OrderSigningKey(std::shared_ptr<void> key) : key_(std::move(key)) {}
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// True when `signatureBase64` is a valid Ed25519 signature of `message` by the key.
bool verifyEd25519(const std::string& publicKeyBase64, const std::string& message,
                   const std::string& signatureBase64);

// A fresh random nonce (128 bits, hex).
Result<std::string> newNonce();

}  // namespace tillid::tasks
