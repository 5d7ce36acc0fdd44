#pragma once
// One agent per state directory: the running agent holds an exclusive lock on a file
// in it. Other processes (status, a second agent) can ask who holds it.

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace tillid::platform {

class InstanceLock {
 public:
  virtual ~InstanceLock() = default;
};

// Takes the lock and records this process's id in the file. kConflict when another
// process holds it (the message names its pid).
Result<std::unique_ptr<InstanceLock>> acquireInstanceLock(const std::string& path);

// The id of the process holding the lock, or nullopt when no process does.
std::optional<int> instanceLockHolder(const std::string& path);

// The two functions above as a service the agent and the offboarding runner receive
// (platform.h).
class InstanceLocks {
 public:
  virtual ~InstanceLocks() = default;
  virtual Result<std::unique_ptr<InstanceLock>> acquire(const std::string& path) = 0;
  virtual std::optional<int> holder(const std::string& path) = 0;
};

}  // namespace tillid::platform
