#include "protocol/certificate_request.h"

#include <openssl/pem.h>

#include "protocol/openssl_util.h"

namespace tillid::report {
namespace {

Result<std::string> signedRequest(EVP_PKEY* key, const std::string& commonName) {
  OpenSslPtr<X509_REQ> request(X509_REQ_new());
  OpenSslPtr<X509_NAME> subject(X509_NAME_new());
  if (!request || !subject || X509_REQ_set_version(request.get(), 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1 ||
      X509_REQ_sign(request.get(), key, EVP_sha256()) <= 0) {
    return openSslError(ErrorCode::kInternal, "cannot build the certificate request");
  }
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), request.get());
  return bioText(bio.get());
}

}  // namespace

Result<KeyAndRequest> makeKeyAndRequest(const std::string& commonName) {
  OpenSslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return openSslError(ErrorCode::kInternal, "cannot generate an EC P-256 key");
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openSslError(ErrorCode::kInternal, "cannot encode the private key");
  }
  auto request = signedRequest(key.get(), commonName);
  if (!request) return request.status();
  return KeyAndRequest{bioText(bio.get()), std::move(*request)};
}

Result<std::string> makeRequest(const std::string& privateKeyPem, const std::string& commonName) {
  auto key = parsePrivateKeyPem(privateKeyPem);
  if (!key) return key.status();
  return signedRequest(key->get(), commonName);
}

}  // namespace tillid::report
