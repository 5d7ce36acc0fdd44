#pragma once
// Reading a whole file. Every program reads small files this way: configurations, keys,
// certificates, orders, lists.

#include <string>

#include "common/result.h"

namespace tillid {

// The bytes of the file at `path`, unchanged. kNotFound when it cannot be opened, kIo when
// reading fails part way; the message names the path and the system's reason.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace tillid
