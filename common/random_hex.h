#pragma once
// Unpredictable identifiers and seeds from OpenSSL's CSPRNG: order nonces, spot-check
// seeds, overwrite pattern keys.

#include <cstddef>
#include <string>

#include "common/result.h"

namespace tillid {

// `bytes` random bytes as 2 * `bytes` lowercase hex digits; kUnavailable when the
// generator fails (it is then not seeded, and nothing should be drawn from it).
Result<std::string> randomHex(size_t bytes);

}  // namespace tillid
