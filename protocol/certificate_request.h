#pragma once
// The agent's own key pair and certificate signing request (EC P-256). The private key
// never leaves the device; the collector signs the request at enrollment and renewal.

#include <string>

#include "common/result.h"

namespace tillid::report {

struct KeyAndRequest {
  std::string privateKeyPem;  // PKCS#8, unencrypted: protect it with the file mode
  std::string requestPem;     // PKCS#10 CSR signed with that key
};

// A fresh P-256 key and a CSR with subject CN=`commonName`.
Result<KeyAndRequest> makeKeyAndRequest(const std::string& commonName);

// A CSR for an existing key (renewal keeps the key unless it is replaced explicitly).
Result<std::string> makeRequest(const std::string& privateKeyPem, const std::string& commonName);

}  // namespace tillid::report
