#pragma once
// Certificate revocation lists made with OpenSSL for tests: what a CA's operator would
// publish as tls.crl.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

namespace tillid::test {

// A CRL issued by `issuer`, signed with its `key`, listing `serials` (hex), valid from now
// for a day; PEM, or DER when `pem` is false. REQUIREs that OpenSSL makes it.
std::string signedCrl(X509* issuer, EVP_PKEY* key, const std::vector<std::string>& serials,
                      bool pem = true);

}  // namespace tillid::test
