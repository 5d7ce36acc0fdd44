#pragma once
// SHA-256 digests as lowercase hex: of stored tokens, configurations, batches and the
// entries of a spot-check draw.

#include <string>
#include <string_view>

namespace tillid {

// The SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256Hex(std::string_view bytes);

}  // namespace tillid
