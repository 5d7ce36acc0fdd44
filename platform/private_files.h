#pragma once
// Files and directories of this service that its account alone may read, as capabilities:
// callers say who may read, the operating system's implementation (platform/<os>/) says
// how. Every write replaces the file atomically: a reader sees the old content or the
// new, never a part. Thread-safe for distinct paths.

#include <string>

#include "common/result.h"

namespace tillid::platform {

// Writes `content` to `path`, readable and writable only by this service's account. The
// file is restricted before the first byte is written, so the content is never readable
// by others, not even for a moment. Uses "<path>.tmp" on the way.
Status writePrivateFile(const std::string& path, const std::string& content);

// Writes `content` to `path`, readable by every local user, writable only by this
// service's account (for what is not secret, such as the enrollment's summary).
Status writeSharedFile(const std::string& path, const std::string& content);

// Restricts the existing file `path` to this service's account: only it may read or write.
// kNotFound when `path` does not exist.
Status restrictToOwner(const std::string& path);

// Creates the directory `path` (and its parents) when missing, so that only this service's
// account may enter it; an existing one is closed to everybody else. A directory shared
// by every user such as /tmp is refused (kInvalidArgument) rather than closed to them.
Status preparePrivateDirectory(const std::string& path);

}  // namespace tillid::platform
