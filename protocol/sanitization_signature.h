#pragma once
// The signature on a certificate of sanitization (agent/offboard/sanitization_certificate.h):
// made on the device with its enrollment key (EC P-256, ECDSA with SHA-256) and checked by
// the device itself and by the collector, so it lives here where both link. Wire form
// (canonical JSON):
//   {"certificate": {...}, "algorithm": "ECDSA-P256-SHA256", "signature": "<base64 DER>",
//    "device_certificate": "<PEM of the device's X.509 certificate>"}
// The signature covers the canonical JSON of "certificate". "device_certificate" (absent
// when the device has none) lets the collector check that the key belongs to the sending
// device: it must chain to the collector's CA and name the device (collector/
// offboard_service.h). Stateless functions: thread-safe.

#include <Poco/JSON/Object.h>

#include <string>

#include "common/result.h"

namespace tillid::report {

// Signs with the PEM private key and returns the wire form; `deviceCertificatePem` ("":
// none) travels beside the signature.
Result<std::string> signCertificate(const Poco::JSON::Object::Ptr& certificate,
                                    const std::string& privateKeyPem,
                                    const std::string& deviceCertificatePem = "");

// Checks the wire form's signature with the public key of `keyOrCertificatePem` (an X.509
// certificate or a PEM public key). Returns the certificate body; kPermission when the
// signature does not verify, kInvalidArgument when the document is malformed.
Result<Poco::JSON::Object::Ptr> verifySignedCertificate(const std::string& wire,
                                                        const std::string& keyOrCertificatePem);

}  // namespace tillid::report
