#pragma once
// The certificate of sanitization: what was erased, how and how it was checked, in the
// fields of NIST SP 800-88's sample certificate (Rev.1 appendix G; Rev.2 defers techniques
// to IEEE 2883-2022, and the certificate names both), signed with the device's enrollment
// key (EC P-256, ECDSA with SHA-256) so the collector can check that the device itself
// reports the result. Wire form (canonical JSON):
//   {"certificate": {...}, "algorithm": "ECDSA-P256-SHA256", "signature": "<base64 DER>"}
// The signature covers the canonical JSON of "certificate".

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "agent/offboard/offboard_store.h"
#include "platform/device_identity.h"

namespace tillid::offboard {

// The unsigned certificate for a run whose steps are all verified (or the final command,
// which runs after the certificate, pending). `completedAt` is the time of signing.
Poco::JSON::Object::Ptr buildCertificate(const RunRecord& run, const std::vector<StepRecord>& steps,
                                         const platform::DeviceIdentity& device,
                                         const std::string& completedAt);

// Signs with the PEM private key and returns the wire form.
Result<std::string> signCertificate(const Poco::JSON::Object::Ptr& certificate,
                                    const std::string& privateKeyPem);

// Checks the wire form's signature with the public key of `certificatePem` (the device's
// X.509 certificate, or a PEM public key). Returns the certificate body; kPermission when
// the signature does not verify, kInvalidArgument when the document is malformed.
Result<Poco::JSON::Object::Ptr> verifySignedCertificate(const std::string& wire,
                                                        const std::string& keyOrCertificatePem);

}  // namespace tillid::offboard
