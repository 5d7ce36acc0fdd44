#include "tests/support/fakes/fake_instance_locks.h"

#include <unistd.h>

namespace tillid::test {
namespace {

class HeldLock final : public platform::InstanceLock {
 public:
  HeldLock(std::shared_ptr<std::set<std::string>> held, std::string path)
      : held_(std::move(held)), path_(std::move(path)) {}
  ~HeldLock() override { held_->erase(path_); }

 private:
  std::shared_ptr<std::set<std::string>> held_;
  const std::string path_;
};

}  // namespace

FakeInstanceLocks::FakeInstanceLocks() : pid(static_cast<int>(::getpid())) {}

Result<std::unique_ptr<platform::InstanceLock>> FakeInstanceLocks::acquire(
    const std::string& path) {
  if (!held_->insert(path).second) {
    return Status::error(ErrorCode::kConflict, "another agent (pid " + std::to_string(pid) +
                                                   ") is running with this state directory");
  }
  return std::unique_ptr<platform::InstanceLock>(std::make_unique<HeldLock>(held_, path));
}

std::optional<int> FakeInstanceLocks::holder(const std::string& path) {
  if (held_->count(path) == 0) return std::nullopt;
  return pid;
}

}  // namespace tillid::test
