#pragma once
// Small RAII and error helpers for the OpenSSL C API, shared by the agent's key and CSR
// code and the collector's certificate authority.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace tillid::report {

struct OpenSslFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// A Status carrying `what` and OpenSSL's queued error text (the queue is cleared).
Status openSslError(ErrorCode code, const std::string& what);

// A read-only memory BIO over `text` (which must outlive it).
OpenSslPtr<BIO> memoryBio(const std::string& text);
// Everything written to a memory BIO, as a string.
std::string bioText(BIO* bio);

Result<OpenSslPtr<X509>> parseCertificatePem(const std::string& pem);
Result<OpenSslPtr<EVP_PKEY>> parsePrivateKeyPem(const std::string& pem);
std::string certificatePem(X509* cert);

// Seconds from now until the certificate's notAfter (negative once it has expired).
int64_t secondsUntilExpiry(X509* cert);
// notAfter - notBefore in seconds.
int64_t lifetimeSeconds(X509* cert);
// The certificate's subject common name, or "" when it has none.
std::string commonName(X509* cert);
// The serial number as upper-case hex.
std::string serialHex(X509* cert);
std::string serialHex(const ASN1_INTEGER* serial);

}  // namespace tillid::report
