// The agent as a system service: the sd_notify protocol a Type=notify unit with
// WatchdogSec= relies on (heard on a real notification socket, as systemd would), the
// modes of the state it creates, and what `status` tells an ordinary user.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "tests/integration/agent/agent_helpers.h"
#include "tests/support/skip.h"

using namespace tillid::test;
namespace fs = std::filesystem;

namespace {

// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof address.sun_path);
    path.copy(address.sun_path, path.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval timeout{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifySocket() { ::close(fd_); }

  // Every message received so far, in order (each datagram may hold several lines).
  const std::vector<std::string>& messages() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) break;
      messages_.emplace_back(buffer, static_cast<size_t>(n));
    }
    return messages_;
  }
  size_t count(const std::string& message) {
    const auto& all = messages();
    return static_cast<size_t>(std::count(all.begin(), all.end(), message));
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

fs::perms modeOf(const std::string& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

}  // namespace

TEST_CASE("under a service manager the agent says ready, feeds the watchdog, says stopping",
          "[agent][process][service]") {
  TempDir dir;
  NotifySocket notify(dir.file("notify"));
  const std::string state = dir.file("state");
  // WATCHDOG_USEC as systemd sets it for WatchdogSec=0.2: pings every 100 ms.
  ChildProcess agent(TILLID_AGENT_BIN, withStateDir(state, {"run"}),
                     {{"NOTIFY_SOCKET", dir.file("notify")}, {"WATCHDOG_USEC", "200000"}});
  REQUIRE(waitUntil([&] { return notify.count("WATCHDOG=1") >= 3 || !agent.running(); }));
  CHECK(agent.running());
  CHECK(notify.messages().front() == "READY=1");
  CHECK(notify.count("READY=1") == 1);
  CHECK(notify.count("STOPPING=1") == 0);

  agent.signal(SIGTERM);
  CHECK(agent.wait() == 0);
  CHECK(notify.count("STOPPING=1") == 1);
  CHECK(notify.messages().back() == "STOPPING=1");  // no ping after it
}

TEST_CASE("outside a service manager nothing is sent and no watchdog runs",
          "[agent][process][service]") {
  TempDir dir;
  NotifySocket notify(dir.file("notify"));
  const std::string state = dir.file("state");
  // A watchdog without a socket to report to must not disturb the agent.
  auto agent = startAgent(state);
  REQUIRE(agent->running());
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
  CHECK(notify.messages().empty());
}

TEST_CASE("the state directory and the database are the owner's alone",
          "[agent][process][service]") {
  TempDir dir;
  const std::string state = dir.file("deeper/state");
  auto agent = startAgent(state);
  REQUIRE(agent->running());
  CHECK(modeOf(state) == fs::perms::owner_all);
  const auto ownerRw = fs::perms::owner_read | fs::perms::owner_write;
  CHECK(modeOf(state + "/tillid.db") == ownerRw);
  CHECK(modeOf(state + "/agent.lock") == ownerRw);
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(state + "/tillid.db" + suffix))
      CHECK(modeOf(state + "/tillid.db" + suffix) == ownerRw);
  }
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}

TEST_CASE("an existing state directory open to others is closed, a shared one is refused",
          "[agent][process][service]") {
  TempDir dir;
  const std::string state = dir.file("state");
  fs::create_directories(state);
  fs::permissions(state, fs::perms::all, fs::perm_options::replace);
  auto agent = startAgent(state);
  REQUIRE(agent->running());
  CHECK(modeOf(state) == fs::perms::owner_all);
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);

  const std::string shared = dir.file("shared");
  fs::create_directories(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit, fs::perm_options::replace);
  auto refused = runProgram(TILLID_AGENT_BIN, {"--state-dir", shared, "run"});
  CHECK(refused.exitCode == 1);
  CHECK_THAT(refused.err, Catch::Contains("is a shared directory"));
  CHECK(modeOf(shared) == (fs::perms::all | fs::perms::sticky_bit));
}

TEST_CASE("an ordinary user's status says whether the agent runs and that details need root",
          "[agent][process][service][root]") {
  if (::geteuid() != 0) {
    ::tillid::test::skipTest("needs root to run status as another user");
  }
  TempDir dir;
  // The user must reach the state directory's parent, as anyone reaches /var/lib.
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::replace);
  const std::string state = dir.file("state");
  auto asNobody = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-u", "nobody", "--", TILLID_AGENT_BIN, "--state-dir", state});
    return runProgram("/usr/sbin/runuser", args);
  };

  auto agent = startAgent(state);
  REQUIRE(agent->running());
  auto status = asNobody({"status"});
  CHECK(status.exitCode == 0);
  CHECK_THAT(status.out,
             Catch::Contains("running:       yes (pid " + std::to_string(agent->pid()) + ")"));
  CHECK_THAT(status.out, Catch::Contains("details:       need root"));
  CHECK_THAT(status.out, !Catch::Contains("audit head"));
  auto json = asNobody({"status", "--json"});
  CHECK_THAT(json.out, Catch::Contains("\"running\":true") && Catch::Contains("\"details\":"));
  // Nothing more: the security log stays closed to the user.
  CHECK(asNobody({"audit", "show"}).exitCode != 0);

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
  status = asNobody({"status"});
  CHECK(status.exitCode == 3);
  CHECK_THAT(status.out, Catch::Contains("running:       no"));
}
