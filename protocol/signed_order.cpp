#include "protocol/signed_order.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>
#include <sstream>

#include "common/base64.h"
#include "common/canonical_json.h"
#include "common/digest.h"
#include "common/random_hex.h"
#include "protocol/openssl_util.h"

namespace tillid::tasks {
namespace {

using Poco::JSON::Object;
using report::OpenSslPtr;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

EVP_PKEY* pkey(const std::shared_ptr<void>& key) {
  return static_cast<EVP_PKEY*>(key.get());
}

std::shared_ptr<void> own(EVP_PKEY* key) {
  return std::shared_ptr<void>(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

Result<std::string> stringField(const Object& o, const char* name, bool allowEmpty) {
  if (!o.has(name) || !o.get(name).isString()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         std::string("order field '") + name + "' must be a string");
  }
  std::string value = o.getValue<std::string>(name);
  if (!allowEmpty && value.empty()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         std::string("order field '") + name + "' is empty");
  }
  return value;
}

}  // namespace

Object::Ptr orderToJson(const Order& order) {
  Object::Ptr o = new Object;
  o->set("device", order.device);
  o->set("type", order.type);
  o->set("purpose", order.purpose);
  o->set("case", order.caseRef);
  o->set("nonce", order.nonce);
  o->set("expires", order.expires);
  o->set("issued_by", order.issuedBy);
  o->set("params", order.params ? order.params : Object::Ptr(new Object));
  return o;
}

std::string canonicalOrder(const Order& order) {
  return canonicalJson(orderToJson(order));
}

Object::Ptr signedOrderToJson(const SignedOrder& signedOrder) {
  Object::Ptr o = new Object;
  o->set("order", orderToJson(signedOrder.order));
  o->set("key_id", signedOrder.keyId);
  o->set("signature", signedOrder.signature);
  return o;
}

Result<SignedOrder> parseSignedOrder(const Object::Ptr& json) {
  if (!json) return Status::error(ErrorCode::kInvalidArgument, "no order");
  const Object::Ptr body = json->getObject("order");
  if (!body) return Status::error(ErrorCode::kInvalidArgument, "'order' must be an object");
  SignedOrder out;
  Order& order = out.order;
  struct Field {
    const char* name;
    std::string* target;
    bool allowEmpty;
  };
  for (const Field& f :
       {Field{"device", &order.device, false}, Field{"type", &order.type, false},
        Field{"purpose", &order.purpose, false}, Field{"case", &order.caseRef, true},
        Field{"nonce", &order.nonce, false}, Field{"expires", &order.expires, false},
        Field{"issued_by", &order.issuedBy, false}}) {
    auto value = stringField(*body, f.name, f.allowEmpty);
    if (!value) return value.status();
    *f.target = std::move(*value);
  }
  if (body->has("params")) {
    order.params = body->getObject("params");
    if (!order.params) {
      return Status::error(ErrorCode::kInvalidArgument, "order field 'params' must be an object");
    }
  }
  auto keyId = stringField(*json, "key_id", false);
  if (!keyId) return keyId.status();
  auto signature = stringField(*json, "signature", false);
  if (!signature) return signature.status();
  out.keyId = *keyId;
  out.signature = *signature;
  return out;
}

std::string keyIdOf(const std::string& publicKeyBase64) {
  const auto raw = base64Decode(publicKeyBase64);
  return "k-" + sha256Hex(raw.value_or(publicKeyBase64)).substr(0, 16);
}

Result<OrderSigningKey> OrderSigningKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) return report::openSslError(ErrorCode::kInternal, "Ed25519 key generation");
  return OrderSigningKey(own(key));
}

Result<OrderSigningKey> OrderSigningKey::fromPem(const std::string& pem) {
  auto parsed = report::parsePrivateKeyPem(pem);
  if (!parsed) return parsed.status();
  if (EVP_PKEY_get_id(parsed->get()) != EVP_PKEY_ED25519) {
    return Status::error(ErrorCode::kInvalidArgument, "the order-signing key must be Ed25519");
  }
  return OrderSigningKey(own(parsed->release()));
}

std::string OrderSigningKey::privateKeyPem() const {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), pkey(key_), nullptr, nullptr, 0, nullptr, nullptr);
  return report::bioText(bio.get());
}

std::string OrderSigningKey::publicKeyBase64() const {
  unsigned char raw[32];
  size_t size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(pkey(key_), raw, &size) != 1) return "";
  return base64Encode(std::string_view(reinterpret_cast<const char*>(raw), size));
}

Result<SignedOrder> OrderSigningKey::sign(const Order& order) const {
  const std::string message = canonicalOrder(order);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  size_t size = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_)) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return report::openSslError(ErrorCode::kInternal, "signing the order");
  }
  return SignedOrder{
      order, keyId(),
      base64Encode(std::string_view(reinterpret_cast<const char*>(signature), size))};
}

bool verifyEd25519(const std::string& publicKeyBase64, const std::string& message,
                   const std::string& signatureBase64) {
  const auto raw = base64Decode(publicKeyBase64);
  const auto signature = base64Decode(signatureBase64);
  if (!raw || raw->size() != 32 || !signature || signature->size() != 64) return false;
  OpenSslPtr<EVP_PKEY> key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()), raw->size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok =
      key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) (void)report::openSslError(ErrorCode::kPermission, "");  // clears the error queue
  return ok;
}

Result<std::string> newNonce() {
  return randomHex(16);
}

}  // namespace tillid::tasks
