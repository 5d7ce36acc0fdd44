// The SessionTerminator contract, run against every implementation: the Linux one on a
// proc directory the test builds (so no real process of another user is needed), and the
// fake (tests/support/fakes/).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "platform/platform.h"
#include "tests/support/child_process.h"
#include "tests/support/fakes/fake_sessions.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

// One implementation with a way to start a process presented as another user's.
class Processes {
 public:
  virtual ~Processes() = default;
  virtual Result<std::unique_ptr<platform::SessionTerminator>> terminator(
      const std::vector<platform::AccountId>& accounts) = 0;
  virtual void start(const platform::AccountId& account) = 0;
  // Waits until the signalled processes of `account` are gone and forgets them (a real
  // proc directory does that by itself).
  virtual void reap(const platform::AccountId& account) = 0;
};

class LinuxProcesses final : public Processes {
 public:
  Result<std::unique_ptr<platform::SessionTerminator>> terminator(
      const std::vector<platform::AccountId>& accounts) override {
    return platform_.sessions(accounts);
  }
  void start(const platform::AccountId& account) override {
    auto child = std::make_unique<ChildProcess>("/bin/sleep", std::vector<std::string>{"600"});
    const std::string entry = dir_.file("proc/" + std::to_string(child->pid()));
    children_.emplace_back(account, std::move(child));
    std::filesystem::create_directories(entry);
    const std::string& id = account.value;
    writeFile(entry + "/status", "Name:\tsleep\nState:\tS (sleeping)\nUid:\t" + id + "\t" + id +
                                     "\t" + id + "\t" + id + "\n");
  }
  void reap(const platform::AccountId& account) override {
    for (auto& [owner, child] : children_) {
      if (owner != account) continue;
      child->wait();
      std::filesystem::remove_all(dir_.file("proc/" + std::to_string(child->pid())));
    }
  }

 private:
  TempDir dir_;
  platform::Platform platform_ = platform::makePlatform(dir_.path());
  std::vector<std::pair<platform::AccountId, std::unique_ptr<ChildProcess>>> children_;
};

class FakeProcesses final : public Processes {
 public:
  Result<std::unique_ptr<platform::SessionTerminator>> terminator(
      const std::vector<platform::AccountId>& accounts) override {
    return fake_.terminator(accounts);
  }
  void start(const platform::AccountId& account) override { ++fake_.users[account].polite; }
  void reap(const platform::AccountId&) override {}

 private:
  FakeSessions fake_;
};

std::unique_ptr<Processes> processesNamed(const std::string& name) {
  if (name == "linux") return std::make_unique<LinuxProcesses>();
  return std::make_unique<FakeProcesses>();
}

TEST_CASE("session terminator contract: root and the caller are refused", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  auto processes = processesNamed(name);
  CHECK(processes->terminator({{"0"}}).status().code() == ErrorCode::kInvalidArgument);
  CHECK(processes->terminator({{"4242"}, {std::to_string(::getuid())}}).status().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("session terminator contract: the target users' processes end, nobody else's",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  auto processes = processesNamed(name);
  processes->start({"4242"});
  processes->start({"4343"});
  auto terminator = processes->terminator({{"4242"}});
  REQUIRE(terminator.isOk());
  CHECK((*terminator)->remaining().value() == 1);
  auto ended = (*terminator)->terminate(std::chrono::milliseconds(500));
  REQUIRE(ended.isOk());
  CHECK(ended->terminated == 1);
  processes->reap({"4242"});
  CHECK((*terminator)->remaining().value() == 0);
  auto bystander = processes->terminator({{"4343"}});
  REQUIRE(bystander.isOk());
  CHECK((*bystander)->remaining().value() == 1);
}

}  // namespace
}  // namespace tillid::test
