#pragma once
// LUKS2 containers in image files, formatted by cryptsetup for tests (which need root
// for it): a fast PBKDF and two keyslots, so erasers have something real to destroy.

#include <cstdint>
#include <string>

#include "tests/support/temp_dir.h"

namespace tillid::test {

inline constexpr const char* kCryptsetup = "/usr/sbin/cryptsetup";

// Creates `image` of `bytes` and formats it (REQUIREs success); the key files go in `dir`.
void makeLuksImage(const TempDir& dir, const std::string& image, uint64_t bytes);

}  // namespace tillid::test
