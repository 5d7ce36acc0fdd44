#pragma once
// Which client certificates the collector refuses although they chain to its CA: those
// in the storage's revoked list (a retired device's, or any that `tillid-admin revoke`
// named), and those on the organisation CA's certificate revocation list when
// tls.crl names one. The CRL file is read again when it changes, so publishing a new one
// needs no restart; a CRL whose signature does not verify with a certificate of tls.ca is
// refused at start and ignored (the last good one kept) afterwards. Thread-safe.

#include <openssl/x509.h>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "collector/storage.h"

namespace tillid::collector {

class CertificateRevocation {
 public:
  // `storage` must outlive the object. `crlFile` "" for none; `caFile` holds the
  // certificates the CRL may be signed by.
  static Result<std::unique_ptr<CertificateRevocation>> open(Storage& storage,
                                                             const std::string& crlFile,
                                                             const std::string& caFile);

  // Why `certificate` is revoked, or nullopt when it is not.
  Result<std::optional<std::string>> revoked(X509* certificate) const;

  struct Crl {
    std::string issuer;             // X509_NAME_oneline of the CRL's issuer
    std::set<std::string> serials;  // upper-case hex, as report::serialHex writes them
    int64_t modified = 0;           // of the file, when read
  };

 private:
  CertificateRevocation(Storage& storage, std::string crlFile, std::string caFile)
      : storage_(storage), crlFile_(std::move(crlFile)), caFile_(std::move(caFile)) {}
  Result<Crl> readCrl() const;
  // The CRL as of now: read again when the file changed since.
  Crl currentCrl() const;

  Storage& storage_;
  const std::string crlFile_;
  const std::string caFile_;
  mutable std::mutex mutex_;
  mutable Crl crl_;  // GUARDED_BY(mutex_)
};

// The CRL in `pemOrDer` (PEM or DER): its issuer and revoked serials (`modified` is left 0).
// It counts only when a certificate in `caPem` (PEM certificates, as tls.ca holds them)
// whose subject is the CRL's issuer signed it. Anything else, whatever the bytes, is a
// kInvalidArgument error saying which of the two it is.
Result<CertificateRevocation::Crl> parseCrl(const std::string& pemOrDer, const std::string& caPem);

}  // namespace tillid::collector
