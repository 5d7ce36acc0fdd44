#pragma once
// Tillid's strings are UTF-8; the Windows API's wide functions take UTF-16.

#include <string>

namespace tillid::platform {

std::wstring toUtf16(const std::string& utf8);

}  // namespace tillid::platform
