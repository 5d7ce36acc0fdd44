#include "collector/certificate_revocation.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>

#include "common/files.h"
#include "common/logging.h"
#include "protocol/openssl_util.h"

namespace tillid::collector {
namespace {

using report::openSslError;
using report::serialHex;

std::string oneline(const X509_NAME* name) {
  char* text = X509_NAME_oneline(name, nullptr, 0);
  std::string out = text != nullptr ? text : "";
  OPENSSL_free(text);
  return out;
}

// To the file system's resolution (nanoseconds), so that a CRL replaced within the same
// second as the last is read again.
int64_t modifiedTime(const std::string& path) {
  std::error_code error;
  const auto time = std::filesystem::last_write_time(path, error);
  return error ? -1 : static_cast<int64_t>(time.time_since_epoch().count());
}

}  // namespace

Result<std::unique_ptr<CertificateRevocation>> CertificateRevocation::open(
    Storage& storage, const std::string& crlFile, const std::string& caFile) {
  std::unique_ptr<CertificateRevocation> revocation(
      new CertificateRevocation(storage, crlFile, caFile));
  if (!crlFile.empty()) {
    auto crl = revocation->readCrl();
    if (!crl) return crl.status();
    revocation->crl_ = std::move(*crl);
  }
  return revocation;
}

Result<CertificateRevocation::Crl> parseCrl(const std::string& pemOrDer, const std::string& caPem) {
  auto bio = report::memoryBio(pemOrDer);
  X509_CRL* parsed = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (parsed == nullptr) {
    ERR_clear_error();
    auto der = report::memoryBio(pemOrDer);
    parsed = d2i_X509_CRL_bio(der.get(), nullptr);
  }
  if (parsed == nullptr) {
    return openSslError(ErrorCode::kInvalidArgument, "not a CRL (PEM or DER)");
  }
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(parsed, X509_CRL_free);
  auto caBio = report::memoryBio(caPem);
  bool verified = false;
  while (X509* ca = PEM_read_bio_X509(caBio.get(), nullptr, nullptr, nullptr)) {
    if (X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl.get())) == 0 &&
        X509_CRL_verify(crl.get(), X509_get0_pubkey(ca)) == 1) {
      verified = true;
    }
    X509_free(ca);
  }
  ERR_clear_error();
  if (!verified) return Status::error(ErrorCode::kInvalidArgument, "not signed by a CA of tls.ca");
  CertificateRevocation::Crl out;
  out.issuer = oneline(X509_CRL_get_issuer(crl.get()));
  const STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    out.serials.insert(
        serialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(entries, i))));
  }
  return out;
}

Result<CertificateRevocation::Crl> CertificateRevocation::readCrl() const {
  const int64_t modified = modifiedTime(crlFile_);
  auto text = readWholeFile(crlFile_);
  if (!text) return text.status().withContext("tls.crl");
  auto caText = readWholeFile(caFile_);
  if (!caText) return caText.status().withContext("tls.ca");
  auto crl = parseCrl(*text, *caText);
  if (!crl) return crl.status().withContext("tls.crl " + crlFile_);
  crl->modified = modified;
  return crl;
}

CertificateRevocation::Crl CertificateRevocation::currentCrl() const {
  std::lock_guard lock(mutex_);
  if (crlFile_.empty() || modifiedTime(crlFile_) == crl_.modified) return crl_;
  auto fresh = readCrl();
  if (fresh) {
    crl_ = std::move(*fresh);
    logger("collector")
        .information("tls.crl read again: " + std::to_string(crl_.serials.size()) +
                     " revoked certificates");
  } else {
    logger("collector").warning(fresh.status().message() + "; the last good CRL stays in use");
    crl_.modified = modifiedTime(crlFile_);  // not tried again until the file changes
  }
  return crl_;
}

Result<std::optional<std::string>> CertificateRevocation::revoked(X509* certificate) const {
  const std::string serial = serialHex(certificate);
  auto listed = storage_.revocation(serial);
  if (!listed) return listed.status();
  if (listed->has_value()) {
    return std::optional<std::string>("certificate " + serial + " was revoked at " +
                                      (*listed)->revokedAt);
  }
  if (!crlFile_.empty()) {
    const Crl crl = currentCrl();
    if (crl.serials.count(serial) != 0 &&
        oneline(X509_get_issuer_name(certificate)) == crl.issuer) {
      return std::optional<std::string>("certificate " + serial +
                                        " is on the CA's revocation list");
    }
  }
  return std::optional<std::string>();
}

}  // namespace tillid::collector
