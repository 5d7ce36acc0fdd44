#include "collector/certificate_authority.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fstream>

#include "common/files.h"
#include "common/time.h"

namespace tillid::collector {
namespace {

using report::openSslError;
using report::OpenSslPtr;

Result<std::string> readText(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return text.status().withContext("a tls.* path");
  return text;
}

bool addExtension(X509* issuer, X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

bool setRandomSerial(X509* cert) {
  BIGNUM* serial = BN_new();
  bool ok = serial != nullptr && BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
            BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nullptr;
  BN_free(serial);
  return ok;
}

}  // namespace

Result<CertificateAuthority> CertificateAuthority::load(const std::string& certificateFile,
                                                        const std::string& privateKeyFile) {
  auto certText = readText(certificateFile);
  if (!certText) return certText.status();
  auto keyText = readText(privateKeyFile);
  if (!keyText) return keyText.status();
  auto cert = report::parseCertificatePem(*certText);
  if (!cert) return cert.status().withContext(certificateFile);
  auto key = report::parsePrivateKeyPem(*keyText);
  if (!key) return key.status().withContext(privateKeyFile);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return openSslError(ErrorCode::kInvalidArgument,
                        privateKeyFile + " is not the key of " + certificateFile);
  }
  CertificateAuthority ca;
  ca.certificate_ = std::shared_ptr<X509>(cert->release(), X509_free);
  ca.key_ = std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free);
  ca.certificatePem_ = *certText;
  return ca;
}

Result<SignedCertificate> CertificateAuthority::sign(const std::string& requestPem,
                                                     const std::string& deviceId, int days,
                                                     TimePoint issuedAt) const {
  auto bio = report::memoryBio(requestPem);
  OpenSslPtr<X509_REQ> request(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!request) return openSslError(ErrorCode::kInvalidArgument, "csr is not a PEM request");
  EVP_PKEY* publicKey = X509_REQ_get0_pubkey(request.get());
  if (publicKey == nullptr || X509_REQ_verify(request.get(), publicKey) != 1) {
    return openSslError(ErrorCode::kInvalidArgument, "csr signature does not verify");
  }
  char group[64] = {0};
  size_t groupLength = 0;
  if (!EVP_PKEY_is_a(publicKey, "EC") ||
      EVP_PKEY_get_group_name(publicKey, group, sizeof group, &groupLength) != 1 ||
      std::string(group) != "prime256v1") {
    return Status::error(ErrorCode::kInvalidArgument, "csr key must be EC P-256");
  }

  OpenSslPtr<X509> cert(X509_new());
  OpenSslPtr<X509_NAME> subject(X509_NAME_new());
  time_t issued = std::chrono::system_clock::to_time_t(issuedAt);
  X509* issuer = certificate_.get();
  const bool built =
      cert && subject && X509_set_version(cert.get(), 2) == 1 && setRandomSerial(cert.get()) &&
      X509_NAME_add_entry_by_txt(subject.get(), "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("Tillid devices"), -1, -1,
                                 0) == 1 &&
      X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(deviceId.c_str()), -1, -1,
                                 0) == 1 &&
      X509_set_subject_name(cert.get(), subject.get()) == 1 &&
      X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) == 1 &&
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -300, &issued) != nullptr &&
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, &issued) != nullptr &&
      X509_set_pubkey(cert.get(), publicKey) == 1 &&
      addExtension(issuer, cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
      addExtension(issuer, cert.get(), NID_key_usage, "critical,digitalSignature") &&
      addExtension(issuer, cert.get(), NID_ext_key_usage, "clientAuth") &&
      addExtension(issuer, cert.get(), NID_subject_key_identifier, "hash") &&
      addExtension(issuer, cert.get(), NID_authority_key_identifier, "keyid") &&
      X509_sign(cert.get(), key_.get(), EVP_sha256()) > 0;
  if (!built) return openSslError(ErrorCode::kInternal, "cannot sign the device certificate");

  SignedCertificate out;
  out.pem = report::certificatePem(cert.get());
  out.serial = report::serialHex(cert.get());
  out.expires = formatTimestamp(WallClock::now() +
                                std::chrono::seconds(report::secondsUntilExpiry(cert.get())));
  return out;
}

Result<std::string> CertificateAuthority::checkIssuedTo(const std::string& certificatePem,
                                                        const std::string& deviceId) const {
  auto cert = report::parseCertificatePem(certificatePem);
  if (!cert) return cert.status();
  if (X509_verify(cert->get(), key_.get()) != 1) {
    ERR_clear_error();
    return Status::error(ErrorCode::kPermission,
                         "the device certificate was not issued by this collector's CA");
  }
  char commonName[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_commonName, commonName,
                                sizeof commonName) < 0 ||
      deviceId != commonName) {
    return Status::error(ErrorCode::kPermission, "the device certificate names another device (" +
                                                     std::string(commonName) + ")");
  }
  return report::serialHex(cert->get());
}

Result<IssuedCertificate> CertificateAuthority::checkKeyHolder(
    const std::string& certificatePem, const std::string& requestPem) const {
  auto cert = report::parseCertificatePem(certificatePem);
  if (!cert) return cert.status();
  if (X509_verify(cert->get(), key_.get()) != 1) {
    ERR_clear_error();
    return Status::error(ErrorCode::kPermission,
                         "the certificate was not issued by this collector's CA");
  }
  auto bio = report::memoryBio(requestPem);
  OpenSslPtr<X509_REQ> request(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!request) return openSslError(ErrorCode::kInvalidArgument, "csr is not a PEM request");
  EVP_PKEY* certified = X509_get0_pubkey(cert->get());
  if (certified == nullptr || X509_REQ_verify(request.get(), certified) != 1) {
    ERR_clear_error();
    return Status::error(ErrorCode::kPermission,
                         "the csr is not signed by the key of the certificate");
  }
  return IssuedCertificate{report::commonName(cert->get()), report::serialHex(cert->get()),
                           report::secondsUntilExpiry(cert->get())};
}

}  // namespace tillid::collector
