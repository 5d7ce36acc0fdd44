#pragma once
// The certificate of sanitization: what was erased, how and how it was checked, in the
// fields of NIST SP 800-88's sample certificate (Rev.1 appendix G; Rev.2 defers techniques
// to IEEE 2883-2022, and the certificate names both), signed with the device's enrollment
// key (EC P-256, ECDSA with SHA-256) so the collector can check that the device itself
// reports the result. Signing and checking, shared with the collector, are in
// protocol/sanitization_signature.h.

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

}  // namespace tillid::offboard
