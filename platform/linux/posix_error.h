#pragma once
// errno translated into a Status in one place for the platform implementations.

#include <string>

#include "common/result.h"

namespace tillid::platform {

// "<what>: <strerror(errnum)>" with a code chosen from errnum (EACCES/EPERM: kPermission,
// ENOENT: kNotFound, otherwise kIo).
Status posixError(const std::string& what, int errnum);

}  // namespace tillid::platform
