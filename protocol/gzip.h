#pragma once
// gzip framing for report batches: the agent compresses, the collector decompresses with
// a size cap so that a small body cannot expand into unbounded memory.

#include <cstddef>
#include <string>

#include "common/result.h"

namespace tillid::report {

// `data` as one gzip member; kInternal when zlib cannot (out of memory).
Result<std::string> gzipCompress(const std::string& data);

// Decompresses one complete gzip member. kInvalidArgument when the data is not gzip, is
// truncated (no end-of-stream marker), has trailing bytes, or expands beyond maxBytes.
Result<std::string> gzipDecompress(const std::string& data, size_t maxBytes);

}  // namespace tillid::report
