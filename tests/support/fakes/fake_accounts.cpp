#include "tests/support/fakes/fake_accounts.h"

#include <algorithm>

namespace tillid::test {
namespace {

class FakeAccountManager final : public platform::AccountManager {
 public:
  FakeAccountManager(FakeAccounts& table, std::vector<std::string> targets)
      : table_(table), targets_(std::move(targets)) {}

  Result<std::vector<platform::Account>> list() override {
    if (!table_.listFailure) return table_.listFailure;
    return table_.accounts;
  }

  Status lock(const std::string& name) override {
    TILLID_RETURN_IF_ERROR(change(name));
    for (auto& a : table_.accounts) {
      if (a.name == name) a.locked = true;
    }
    return Status::ok();
  }

  Status remove(const std::string& name) override {
    TILLID_RETURN_IF_ERROR(change(name));
    auto& all = table_.accounts;
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const platform::Account& a) { return a.name == name; }),
              all.end());
    return Status::ok();
  }

 private:
  Status change(const std::string& name) {
    const auto account = table_.find(name);
    if (std::find(targets_.begin(), targets_.end(), name) == targets_.end() || name == "root" ||
        (account && account->id.value == "0")) {
      return Status::error(ErrorCode::kPermission, name + " is not a target account");
    }
    if (table_.failAfter) {
      if (*table_.failAfter == 0) return table_.failure;
      --*table_.failAfter;
    }
    return Status::ok();
  }

  FakeAccounts& table_;
  const std::vector<std::string> targets_;
};

}  // namespace

std::unique_ptr<platform::AccountManager> FakeAccounts::manager(std::vector<std::string> targets) {
  return std::make_unique<FakeAccountManager>(*this, std::move(targets));
}

std::optional<platform::Account> FakeAccounts::find(const std::string& name) const {
  for (const auto& a : accounts) {
    if (a.name == name) return a;
  }
  return std::nullopt;
}

}  // namespace tillid::test
