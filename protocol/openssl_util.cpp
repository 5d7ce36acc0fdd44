#include "protocol/openssl_util.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace tillid::report {

Status openSslError(ErrorCode code, const std::string& what) {
  std::string detail;
  while (const unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    detail += (detail.empty() ? "" : "; ") + std::string(buffer);
  }
  return Status::error(code, detail.empty() ? what : what + " (" + detail + ")");
}

OpenSslPtr<BIO> memoryBio(const std::string& text) {
  return OpenSslPtr<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Result<OpenSslPtr<X509>> parseCertificatePem(const std::string& pem) {
  auto bio = memoryBio(pem);
  OpenSslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return openSslError(ErrorCode::kInvalidArgument, "not a PEM certificate");
  return cert;
}

Result<OpenSslPtr<EVP_PKEY>> parsePrivateKeyPem(const std::string& pem) {
  auto bio = memoryBio(pem);
  OpenSslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return openSslError(ErrorCode::kInvalidArgument, "not a PEM private key");
  return key;
}

std::string certificatePem(X509* cert) {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bioText(bio.get());
}

int64_t secondsUntilExpiry(X509* cert) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1) return 0;
  return static_cast<int64_t>(days) * 86400 + seconds;
}

int64_t lifetimeSeconds(X509* cert) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)) != 1) {
    return 0;
  }
  return static_cast<int64_t>(days) * 86400 + seconds;
}

std::string commonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

std::string serialHex(X509* cert) {
  return serialHex(X509_get0_serialNumber(cert));
}

std::string serialHex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace tillid::report
