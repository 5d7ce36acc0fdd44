// The AccountManager contract, run against every implementation: the Linux one on the
// account files of a temporary root, and the fake (tests/support/fakes/).

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_accounts.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

// One implementation holding root (account id 0), it-admin (1000) and alice (1001).
class AccountSystem {
 public:
  virtual ~AccountSystem() = default;
  virtual std::unique_ptr<platform::AccountManager> manager(std::vector<std::string> targets) = 0;
};

class LinuxAccounts final : public AccountSystem {
 public:
  LinuxAccounts() {
    std::filesystem::create_directories(dir_.file("etc"));
    writeFile(dir_.file("etc/passwd"),
              "root:x:0:0:root:/root:/bin/bash\n"
              "it-admin:x:1000:1000:IT:/home/it-admin:/bin/bash\n"
              "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n");
    writeFile(dir_.file("etc/shadow"),
              "root:*:19000::::::\nit-admin:$y$a:19000::::::\n"
              "alice:$y$b:19000::::::\n");
    writeFile(dir_.file("etc/group"), "root:x:0:\nit-admin:x:1000:\nalice:x:1001:\n");
    writeFile(dir_.file("etc/gshadow"), "alice:!::\n");
    platform_ = platform::makePlatform(dir_.path());
  }
  std::unique_ptr<platform::AccountManager> manager(std::vector<std::string> targets) override {
    return platform_.accounts(std::move(targets));
  }

 private:
  TempDir dir_;
  platform::Platform platform_;
};

class FakeAccountSystem final : public AccountSystem {
 public:
  FakeAccountSystem() {
    fake_.add({{"0"}, "root", "/root", "/bin/bash", false, false});
    fake_.add({{"1000"}, "it-admin", "/home/it-admin", "/bin/bash", false, true});
    fake_.add({{"1001"}, "alice", "/home/alice", "/bin/bash", false, true});
  }
  std::unique_ptr<platform::AccountManager> manager(std::vector<std::string> targets) override {
    return fake_.manager(std::move(targets));
  }

 private:
  FakeAccounts fake_;
};

std::unique_ptr<AccountSystem> systemNamed(const std::string& name) {
  if (name == "linux") return std::make_unique<LinuxAccounts>();
  return std::make_unique<FakeAccountSystem>();
}

std::optional<platform::Account> find(platform::AccountManager& manager, const std::string& name) {
  auto accounts = manager.list();
  REQUIRE(accounts.isOk());
  for (const auto& a : *accounts) {
    if (a.name == name) return a;
  }
  return std::nullopt;
}

TEST_CASE("account manager contract: listed, locked and removed, idempotently",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  auto system = systemNamed(name);
  auto manager = system->manager({"alice"});
  auto alice = find(*manager, "alice");
  REQUIRE(alice);
  CHECK(alice->id.value == "1001");
  CHECK(alice->person);
  CHECK(alice->home == "/home/alice");
  CHECK(!alice->locked);
  REQUIRE(manager->lock("alice").isOk());
  REQUIRE(manager->lock("alice").isOk());
  CHECK(find(*manager, "alice")->locked);
  // Another manager sees the same accounts.
  CHECK(find(*system->manager({}), "alice")->locked);
  REQUIRE(manager->remove("alice").isOk());
  REQUIRE(manager->remove("alice").isOk());
  CHECK(!find(*manager, "alice"));
  CHECK(find(*manager, "it-admin"));
}

TEST_CASE("account manager contract: only the listed names, never root", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  auto system = systemNamed(name);
  auto manager = system->manager({"alice", "root"});
  CHECK(manager->lock("it-admin").code() == ErrorCode::kPermission);
  CHECK(manager->remove("it-admin").code() == ErrorCode::kPermission);
  CHECK(manager->lock("root").code() == ErrorCode::kPermission);
  CHECK(manager->remove("root").code() == ErrorCode::kPermission);
  CHECK(find(*manager, "it-admin"));
  CHECK(!find(*manager, "it-admin")->locked);
  CHECK(find(*manager, "root"));
}

}  // namespace
}  // namespace tillid::test
