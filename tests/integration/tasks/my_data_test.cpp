// The employee's view, end to end: a running agent (root) serves `tillid-agent my-data`
// on its local socket; the command runs as another account (nobody, through setpriv, as
// an employee would without root) and gets that account's rows only, with every access
// to them from the security log. No real users are touched: rows are written for the
// existing system account "nobody" and an invented name.

#include <Poco/JSON/Array.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "agent/audit/audit_log.h"
#include "common/canonical_json.h"
#include "platform/local_socket.h"
#include "tests/integration/agent/agent_helpers.h"
#include "tests/support/browser.h"
#include "tests/support/skip.h"

using namespace tillid;
using namespace tillid::test;

namespace {

constexpr const char* kSetpriv = "/usr/bin/setpriv";

void addUsage(const std::string& stateDir, const std::string& user,
              const std::string& destination) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  auto insert = db->prepare(
      "INSERT INTO usage_hourly (hour, user, application, destination, service, category,"
      " connections, bytes_in, bytes_out, active_seconds)"
      " VALUES ('2026-11-20T09:00:00Z', ?, 'firefox', ?, 'TLS', 'Web', 3, 250000, 9000, 600)");
  REQUIRE(insert);
  REQUIRE(insert->bind(1, user).bind(2, destination).run());
}

// A security-log entry as the task poller writes it for an answered query.
void addAccess(const std::string& stateDir, const std::string& caseRef,
               const std::string& aboutUser) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  store::Transaction tx(*db);
  REQUIRE(tx.begun());
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  details->set("task", "t-" + caseRef);
  details->set("type", "usage-detail");
  details->set("purpose", "investigation");
  details->set("case", caseRef);
  details->set("order_issued_by", "Ane Jensen");
  if (!aboutUser.empty()) details->set("user", aboutUser);
  REQUIRE(audit::append(*db, "admin:admin-investigator", "task.answered", details));
  REQUIRE(tx.commit());
}

RunResult myDataAs(const std::string& uid, const std::string& socket,
                   std::vector<std::string> extra) {
  std::vector<std::string> args = {"--reuid=" + uid,
                                   "--regid=" + uid,
                                   "--clear-groups",
                                   TILLID_AGENT_BIN,
                                   "my-data",
                                   "--set",
                                   "employee_view.socket=" + socket};
  args.insert(args.end(), extra.begin(), extra.end());
  return runProgram(kSetpriv, args);
}

// An ordinary user (nobody, in a forked child) who opens `connections` connections to
// `socket` and sends one byte of a request on each every 2 s, never ending the line. The
// child writes a byte to `ready` once connected, and exits 0 as soon as the agent has
// closed every connection, 1 if one is still open after 90 s (2: it could not start).
pid_t startSlowUser(const std::string& socket, int connections, int ready) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Only async-signal-safe calls from here on.
  if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
      ::setresuid(65534, 65534, 65534) != 0) {
    ::_exit(2);
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket.c_str(), socket.size() + 1);
  int fds[8];
  bool open[8];
  for (int i = 0; i < connections; ++i) {
    fds[i] = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fds[i] < 0 ||
        ::connect(fds[i], reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      ::_exit(2);
    }
    open[i] = true;
  }
  const char byte = 'm';
  (void)!::write(ready, &byte, 1);
  for (int round = 0; round < 45; ++round) {
    int stillOpen = 0;
    for (int i = 0; i < connections; ++i) {
      if (!open[i]) continue;
      (void)::send(fds[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      pollfd p{fds[i], POLLIN, 0};
      char got;
      if (::poll(&p, 1, 0) > 0 && ::recv(fds[i], &got, 1, MSG_DONTWAIT) <= 0) open[i] = false;
      stillOpen += open[i] ? 1 : 0;
    }
    if (stillOpen == 0) ::_exit(0);
    ::sleep(2);
  }
  ::_exit(1);
}

// The exit code of `pid` once it exits within `timeout`, -1 if it does not.
int waitForExit(pid_t pid, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

bool stillRunning(pid_t pid) {
  return ::waitpid(pid, nullptr, WNOHANG) == 0;
}

}  // namespace

TEST_CASE("each employee sees their own data and every access to it", "[tasks][root]") {
  if (::geteuid() != 0 || !std::filesystem::exists(kSetpriv)) {
    ::tillid::test::skipTest("needs root and setpriv to ask as another account");
  }
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  const std::string stateDir = dir.file("agent");
  const std::string socket = dir.file("run/my-data.sock");
  auto agent = startAgent(stateDir, {"--set", "employee_view.socket=" + socket});
  REQUIRE(agent->running());
  REQUIRE(waitUntil([&] { return std::filesystem::exists(socket); }));
  addUsage(stateDir, "nobody", "nobody-site.example");
  addUsage(stateDir, "tillid-test-other", "other-site.example");
  addAccess(stateDir, "SAG-ALL", "");                     // the whole device
  addAccess(stateDir, "SAG-OTHER", "tillid-test-other");  // only the other account

  const RunResult asNobody = myDataAs("65534", socket, {"--json"});
  INFO(asNobody.out << asNobody.err);
  REQUIRE(asNobody.exitCode == 0);
  auto data = parseJsonObject(asNobody.out);
  REQUIRE(data);
  CHECK((*data)->getValue<std::string>("user") == "nobody");
  CHECK((*data)->getValue<std::string>("account_id") == "65534");
  CHECK((*data)->getValue<int64_t>("retention_days") == 180);
  const std::string text = canonicalJson(*data);
  CHECK(text.find("nobody-site.example") != std::string::npos);
  CHECK(text.find("other-site.example") == std::string::npos);
  CHECK(text.find("SAG-ALL") != std::string::npos);
  CHECK(text.find("SAG-OTHER") == std::string::npos);

  // The readable forms: text in the terminal, and a self-contained page.
  // Danish by default, English on request.
  const RunResult plain = myDataAs("65534", socket, {});
  CHECK(plain.exitCode == 0);
  CHECK(plain.out.find("Enhver adgang til dine data") != std::string::npos);
  CHECK(plain.out.find("250,0 kB") != std::string::npos);
  CHECK(plain.out.find("nobody-site.example") != std::string::npos);
  const RunResult english = myDataAs("65534", socket, {"--lang", "en"});
  CHECK(english.exitCode == 0);
  CHECK(english.out.find("Every access to your data") != std::string::npos);
  CHECK(english.out.find("250.0 kB") != std::string::npos);
  CHECK(myDataAs("65534", socket, {"--lang", "de"}).exitCode == 2);
  const std::string pages = dir.file("pages");
  std::filesystem::create_directories(pages);
  std::filesystem::permissions(pages, std::filesystem::perms(0777));
  const RunResult page = myDataAs("65534", socket, {"--html", pages + "/my-data.html"});
  INFO(page.err);
  REQUIRE(page.exitCode == 0);
  const std::string html = readFile(pages + "/my-data.html");
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("nobody-site.example") != std::string::npos);
  CHECK(html.find("SAG-ALL") != std::string::npos);
  CHECK(html.find("other-site.example") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<html lang=\"da\">") != std::string::npos);
  CHECK(html.find("Det har Tillid registreret om dig") != std::string::npos);
  const std::string png = dir.file("my-data.png");
  if (renderScreenshot(pages + "/my-data.html", png)) {
    CHECK(std::filesystem::file_size(png) > 10000);
  } else {
    WARN("chromium is not installed: the page was not rendered (scripts/bootstrap installs it)");
  }

  // The caller cannot choose whose data: root asking gets root's (none here).
  const RunResult asRoot =
      agentCommand(stateDir, {"my-data", "--json", "--set", "employee_view.socket=" + socket});
  REQUIRE(asRoot.exitCode == 0);
  CHECK(asRoot.out.find("nobody-site.example") == std::string::npos);

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
  CHECK_FALSE(std::filesystem::exists(socket));
  // With the agent stopped, the command says so.
  const RunResult stopped = myDataAs("65534", socket, {});
  CHECK(stopped.exitCode == 1);
  CHECK(stopped.err.find("not running") != std::string::npos);
}

TEST_CASE("a slow local user cannot hold the employee view, and many callers at once are served",
          "[tasks][root]") {
  if (::geteuid() != 0) {
    ::tillid::test::skipTest("needs root to connect as another account");
  }
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  const std::string stateDir = dir.file("agent");
  const std::string socket = dir.file("run/my-data.sock");
  auto agent = startAgent(stateDir, {"--set", "employee_view.socket=" + socket});
  REQUIRE(agent->running());
  REQUIRE(waitUntil([&] { return std::filesystem::exists(socket); }));

  // Three trickling connections from one account: more than it may hold at once.
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t slow = startSlowUser(socket, 3, ready[1]);
  REQUIRE(slow > 0);
  ::close(ready[1]);
  char byte = 0;
  const bool connected = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  REQUIRE(connected);

  // Another caller is answered while those connections are still held.
  const RunResult asRoot =
      agentCommand(stateDir, {"my-data", "--json", "--set", "employee_view.socket=" + socket});
  INFO(asRoot.err);
  CHECK(asRoot.exitCode == 0);
  CHECK(asRoot.out.find("\"account_id\":\"0\"") != std::string::npos);
  CHECK(stillRunning(slow));

  // Fifty at once, more than the backlog was and than one account may queue: every one
  // is answered (those turned away ask again).
  std::vector<std::future<Result<std::string>>> callers;
  for (int i = 0; i < 50; ++i) {
    callers.push_back(std::async(std::launch::async,
                                 [&] { return platform::askLocalSocket(socket, "my-data"); }));
  }
  int answered = 0;
  for (auto& caller : callers) {
    const Result<std::string> answer = caller.get();
    INFO((answer ? *answer : answer.status().message()));
    auto data =
        answer ? parseJsonObject(*answer) : Result<Poco::JSON::Object::Ptr>(answer.status());
    if (data && !(*data)->has("error")) ++answered;
  }
  CHECK(answered == 50);

  // Each trickling connection is closed at its deadline (10 s once served); a generous
  // bound, as two are served at a time.
  CHECK(waitForExit(slow, std::chrono::seconds(90)) == 0);

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
