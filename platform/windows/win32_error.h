#pragma once
// A Win32 error code translated into a Status in one place for the Windows implementations.

#include <windows.h>

#include <string>

#include "common/result.h"

namespace tillid::platform {

// "<what>: <the system's message for error>" with a code chosen from it (access denied:
// kPermission; file or path not found: kNotFound; disk full: kNoSpace; otherwise kIo).
Status win32Error(const std::string& what, DWORD error);

}  // namespace tillid::platform
