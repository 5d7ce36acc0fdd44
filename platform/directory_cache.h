#pragma once
// The directory cache daemon (SSSD) that holds cached credentials: it must not run while
// its cache is erased, or it rewrites what is being erased.

#include <string>

#include "common/result.h"

namespace tillid::platform {

// Stops the daemon named by <rootPrefix>/run/sssd.pid, if that process is alive, with
// `stopCommand` (run by /bin/sh), and waits up to 10 s until it is gone. Returns whether
// it was running. Idempotent: a daemon already stopped is ok.
Result<bool> stopDirectoryCache(const std::string& rootPrefix, const std::string& stopCommand);

// The daemon of the system the platform was made for (its root prefix), as a service the
// offboarding engine receives (platform.h). stop() is stopDirectoryCache for that root.
class DirectoryCache {
 public:
  virtual ~DirectoryCache() = default;
  virtual Result<bool> stop(const std::string& stopCommand) = 0;
};

}  // namespace tillid::platform
