#include "protocol/trusted_keys.h"

#include <Poco/File.h>
#include <Poco/JSON/Array.h>

#include "common/canonical_json.h"
#include "common/files.h"
#include "platform/private_files.h"
#include "protocol/signed_order.h"

namespace tillid::tasks {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Status malformed(const std::string& what) {
  return Status::error(ErrorCode::kInvalidArgument, "trusted keys: " + what);
}

}  // namespace

Result<TrustedKeys> TrustedKeys::fromJson(const Object::Ptr& json) {
  if (!json || !json->has("version") || !json->get("version").isInteger() ||
      !json->getArray("keys")) {
    return malformed("expected {\"version\": N, \"keys\": [...]}");
  }
  TrustedKeys out;
  out.version_ = json->getValue<int64_t>("version");
  const Array::Ptr keys = json->getArray("keys");
  for (size_t i = 0; i < keys->size(); ++i) {
    const Object::Ptr k = keys->getObject(static_cast<unsigned>(i));
    if (!k) return malformed("key " + std::to_string(i) + " is not an object");
    TrustedKey key;
    for (auto [name, target] :
         {std::pair{"id", &key.id}, std::pair{"name", &key.name}, std::pair{"role", &key.role},
          std::pair{"public_key", &key.publicKey}}) {
      if (!k->has(name) || !k->get(name).isString()) {
        return malformed("key " + std::to_string(i) + ": '" + name + "' must be a string");
      }
      *target = k->getValue<std::string>(name);
    }
    if (key.role != kRoleInvestigator && key.role != kRoleOffboarding) {
      return malformed("key " + key.id + ": role must be investigator or offboarding");
    }
    if (keyIdOf(key.publicKey) != key.id) {
      return malformed("key " + key.id + ": the id does not belong to the public key");
    }
    out.keys_.push_back(std::move(key));
  }
  return out;
}

Result<TrustedKeys> TrustedKeys::load(const std::string& path) {
  if (path.empty() || !Poco::File(path).exists()) return TrustedKeys();
  auto text = readWholeFile(path);
  if (!text) return text.status();
  auto json = parseJsonObject(*text);
  if (!json) return json.status().withContext(path);
  auto keys = fromJson(*json);
  if (!keys) return keys.status().withContext(path);
  return keys;
}

Status TrustedKeys::save(const std::string& path) const {
  return platform::writePrivateFile(path, canonicalJson(toJson()) + "\n");
}

Object::Ptr TrustedKeys::toJson() const {
  Array::Ptr keys = new Array;
  for (const auto& k : keys_) {
    Object::Ptr o = new Object;
    o->set("id", k.id);
    o->set("name", k.name);
    o->set("role", k.role);
    o->set("public_key", k.publicKey);
    keys->add(o);
  }
  Object::Ptr out = new Object;
  out->set("version", version_);
  out->set("keys", keys);
  return out;
}

const TrustedKey* TrustedKeys::find(const std::string& keyId) const {
  for (const auto& k : keys_) {
    if (k.id == keyId) return &k;
  }
  return nullptr;
}

}  // namespace tillid::tasks
