#pragma once
// The administrators' order-signing public keys a device trusts. The collector hands the
// set out at enrollment (the same trust step as the pinned CA); afterwards the device only
// replaces it with a newer version carried by an order signed by a key it already trusts,
// so a compromised collector cannot slip in its own key.
// File form (order-keys.json in the state directory):
//   {"version": 3, "keys": [{"id": "k-...", "name": "Ane Jensen", "role": "investigator",
//                            "public_key": "<base64 of the raw 32-byte Ed25519 key>"}]}
// Immutable value type: thread-safe to read.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::tasks {

struct TrustedKey {
  std::string id;    // keyIdOf(publicKey); checked on load
  std::string name;  // the administrator
  std::string role;  // kRoleInvestigator or kRoleOffboarding
  std::string publicKey;
};

class TrustedKeys final {
 public:
  TrustedKeys() = default;

  // Validates every key (id matches the key, role known, 32-byte key).
  static Result<TrustedKeys> fromJson(const Poco::JSON::Object::Ptr& json);
  // An absent file (or path "") is an empty set (version 0): nothing signed is accepted.
  static Result<TrustedKeys> load(const std::string& path);
  // Writes atomically with mode 0600.
  Status save(const std::string& path) const;

  Poco::JSON::Object::Ptr toJson() const;
  int64_t version() const { return version_; }
  const std::vector<TrustedKey>& keys() const { return keys_; }
  // nullptr when no key has that id.
  const TrustedKey* find(const std::string& keyId) const;

 private:
  int64_t version_ = 0;
  std::vector<TrustedKey> keys_;
};

}  // namespace tillid::tasks
