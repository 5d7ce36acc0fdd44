#pragma once
// platform::InstanceLocks in memory: a path is held while the lock acquire() returned
// lives; holder() names `pid` for it (this process's id by default), as the Linux one
// names the process holding it.

#include <memory>
#include <set>
#include <string>

#include "platform/instance_lock.h"

namespace tillid::test {

class FakeInstanceLocks final : public platform::InstanceLocks {
 public:
  FakeInstanceLocks();
  Result<std::unique_ptr<platform::InstanceLock>> acquire(const std::string& path) override;
  std::optional<int> holder(const std::string& path) override;

  int pid;

 private:
  // Shared with the locks handed out, which may outlive this object.
  std::shared_ptr<std::set<std::string>> held_ = std::make_shared<std::set<std::string>>();
};

}  // namespace tillid::test
