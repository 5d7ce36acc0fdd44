#include "protocol/sanitization_signature.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sstream>

#include "common/base64.h"
#include "common/canonical_json.h"
#include "protocol/openssl_util.h"

namespace tillid::report {
namespace {

constexpr const char* kAlgorithm = "ECDSA-P256-SHA256";

}  // namespace

Result<std::string> signCertificate(const Poco::JSON::Object::Ptr& certificate,
                                    const std::string& privateKeyPem,
                                    const std::string& deviceCertificatePem) {
  auto key = parsePrivateKeyPem(privateKeyPem);
  if (!key) return key.status();
  const std::string message = canonicalJson(certificate);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return openSslError(ErrorCode::kInternal, "signing the certificate");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return openSslError(ErrorCode::kInternal, "signing the certificate");
  }
  Poco::JSON::Object::Ptr wire = new Poco::JSON::Object;
  wire->set("certificate", certificate);
  wire->set("algorithm", kAlgorithm);
  wire->set("signature", base64Encode(std::string_view(signature.data(), size)));
  if (!deviceCertificatePem.empty()) wire->set("device_certificate", deviceCertificatePem);
  return canonicalJson(wire);
}

Result<Poco::JSON::Object::Ptr> verifySignedCertificate(const std::string& wire,
                                                        const std::string& keyOrCertificatePem) {
  auto parsedWire = parseJsonObject(wire);
  if (!parsedWire) return parsedWire.status();
  const auto& w = *parsedWire;
  auto certificate = w->getObject("certificate");
  if (!certificate || w->optValue<std::string>("algorithm", "") != kAlgorithm ||
      !w->has("signature") || !w->get("signature").isString()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "not a signed certificate of sanitization (certificate, algorithm, "
                         "signature)");
  }
  OpenSslPtr<EVP_PKEY> key;
  if (auto cert = parseCertificatePem(keyOrCertificatePem)) {
    key.reset(X509_get_pubkey(cert->get()));
  } else {
    auto bio = memoryBio(keyOrCertificatePem);
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!key) return openSslError(ErrorCode::kInvalidArgument, "reading the device key");
  const std::string message = canonicalJson(certificate);
  const auto decoded = base64Decode(w->getValue<std::string>("signature"));
  if (!decoded) {
    return Status::error(ErrorCode::kInvalidArgument, "the certificate's signature is not Base64");
  }
  const std::string& signature = *decoded;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Status::error(ErrorCode::kPermission,
                         "the certificate's signature does not verify with the device key");
  }
  return certificate;
}

}  // namespace tillid::report
