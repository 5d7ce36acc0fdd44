// The DirectoryCache contract, run against every implementation: the Linux one with a
// stand-in daemon (a real child process named by <root>/run/sssd.pid in a temporary
// root), and the fake (tests/support/fakes/).

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "platform/platform.h"
#include "tests/support/child_process.h"
#include "tests/support/fakes/fake_directory_cache.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

// One implementation with a way to start the daemon; start() returns a command that
// stops it.
class Daemon {
 public:
  virtual ~Daemon() = default;
  virtual platform::DirectoryCache& cache() = 0;
  virtual std::string start() = 0;
};

class LinuxDaemon final : public Daemon {
 public:
  platform::DirectoryCache& cache() override { return *platform_.directoryCache; }
  std::string start() override {
    child_ = std::make_unique<ChildProcess>("/bin/sleep", std::vector<std::string>{"600"});
    std::filesystem::create_directories(dir_.file("run"));
    writeFile(dir_.file("run/sssd.pid"), std::to_string(child_->pid()) + "\n");
    return "kill " + std::to_string(child_->pid());
  }

 private:
  TempDir dir_;
  platform::Platform platform_ = platform::makePlatform(dir_.path());
  std::unique_ptr<ChildProcess> child_;
};

class FakeDaemon final : public Daemon {
 public:
  platform::DirectoryCache& cache() override { return fake_; }
  std::string start() override {
    fake_.running = true;
    return "systemctl stop sssd";
  }

 private:
  FakeDirectoryCache fake_;
};

std::unique_ptr<Daemon> daemonNamed(const std::string& name) {
  if (name == "linux") return std::make_unique<LinuxDaemon>();
  return std::make_unique<FakeDaemon>();
}

TEST_CASE("directory cache contract: stopped when running, idempotently", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  auto daemon = daemonNamed(name);
  auto idle = daemon->cache().stop("true");
  REQUIRE(idle.isOk());
  CHECK(!*idle);
  const std::string stopCommand = daemon->start();
  CHECK(daemon->cache().stop("").status().code() == ErrorCode::kUnavailable);
  auto stopped = daemon->cache().stop(stopCommand);
  REQUIRE(stopped.isOk());
  CHECK(*stopped);
  auto again = daemon->cache().stop(stopCommand);
  REQUIRE(again.isOk());
  CHECK(!*again);
}

}  // namespace
}  // namespace tillid::test
