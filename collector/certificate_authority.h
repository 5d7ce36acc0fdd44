#pragma once
// Signs device certificates at enrollment and renewal with the organisation's CA (or the
// development CA from scripts/dev-pki). Only the public key of a request is used: the
// subject is always the device id the collector assigned, so a device cannot choose a
// name (for example an administrator's). Thread-safe after construction.

#include <string>

#include "common/time.h"
#include "protocol/openssl_util.h"

namespace tillid::collector {

// A certificate this CA issued, as read back.
struct IssuedCertificate {
  std::string commonName;
  std::string serial;
  int64_t secondsUntilExpiry = 0;  // negative once it has expired
};

struct SignedCertificate {
  std::string pem;
  std::string serial;   // upper-case hex
  std::string expires;  // formatTimestamp of notAfter
};

class CertificateAuthority {
 public:
  static Result<CertificateAuthority> load(const std::string& certificateFile,
                                           const std::string& privateKeyFile);

  // Verifies the request's self-signature and that its key is EC P-256, then issues a
  // client-authentication certificate for CN=deviceId valid for `days` from `issuedAt`
  // (less five minutes for clocks that lag).
  Result<SignedCertificate> sign(const std::string& requestPem, const std::string& deviceId,
                                 int days, TimePoint issuedAt = WallClock::now()) const;

  // Checks that `certificatePem` was issued by this CA and that `requestPem` is signed by
  // the key it certifies: whoever sent both holds that key. Validity dates are not
  // checked. kPermission when either check fails.
  Result<IssuedCertificate> checkKeyHolder(const std::string& certificatePem,
                                           const std::string& requestPem) const;

  // Checks that `certificatePem` was issued by this CA (its signature verifies with the
  // CA's key) to the device `deviceId` (its CN). Validity dates are not checked: a
  // certificate signed with the key before a renewal or expiry still proves which device
  // signed. Returns the certificate's serial; kPermission when it is not this device's.
  Result<std::string> checkIssuedTo(const std::string& certificatePem,
                                    const std::string& deviceId) const;

  const std::string& certificatePem() const { return certificatePem_; }

 private:
  CertificateAuthority() = default;

  std::shared_ptr<X509> certificate_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string certificatePem_;
};

}  // namespace tillid::collector
