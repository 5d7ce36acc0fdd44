#pragma once
// Enrollment: the agent makes its own EC P-256 key (file mode 0600, never sent), sends a
// CSR with the enrollment token, and keeps the certificate the collector signs. Renewal
// sends a CSR for the same key over mutual TLS before the certificate expires.
// Files in the state directory: agent.key, agent.crt, collector-ca.pem (the pinned CA),
// enrollment.json (server URL, device id, when).

#include <optional>
#include <string>

#include "protocol/curl_transport.h"

namespace tillid::report {

struct EnrollmentFiles {
  std::string root;  // the state directory
  std::string key() const { return root + "/agent.key"; }
  std::string certificate() const { return root + "/agent.crt"; }
  std::string ca() const { return root + "/collector-ca.pem"; }
  std::string info() const { return root + "/enrollment.json"; }
  // The administrators' order-signing keys (protocol/trusted_keys.h), as delivered.
  std::string orderKeys() const { return root + "/order-keys.json"; }
};

struct Enrollment {
  std::string server;
  std::string deviceId;
  std::string enrolledAt;
  std::string certificateExpires;
};

struct EnrollRequest {
  std::string server;  // https://host:port
  std::string token;
  std::string caFile;  // the collector's CA, copied into the state directory and pinned
  std::string hostname;
  std::string pinnedPublicKeys;
  std::string proxy;
};

// Enrolls and writes the files. Nothing is written unless the collector signed.
Result<Enrollment> enroll(const EnrollRequest& request, const EnrollmentFiles& files);

// The stored enrollment, or nullopt when the agent has not enrolled.
Result<std::optional<Enrollment>> loadEnrollment(const EnrollmentFiles& files);

// TLS options for talking to the enrolled collector with the device certificate.
TlsClientOptions deviceTlsOptions(const Enrollment& enrollment, const EnrollmentFiles& files,
                                  const std::string& pinnedPublicKeys, const std::string& proxy);

// The same connection without the client certificate: for renewing an expired one.
TlsClientOptions withoutClientCertificate(TlsClientOptions tls);

// Renews the certificate when less than `renewFraction` of its lifetime is left (or it
// is not readable as a certificate). Returns true when it renewed. Over `transport`
// (mutual TLS) while the certificate is valid; once it has expired, over
// `withoutCertificate` with the expired certificate and a CSR signed by the same key in
// the body, which the collector accepts within enrollment.renewal_grace_days.
Result<bool> renewIfDue(Transport& transport, Transport& withoutCertificate,
                        const EnrollmentFiles& files, Enrollment& enrollment, double renewFraction);

}  // namespace tillid::report
