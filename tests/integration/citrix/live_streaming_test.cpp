// Live end to end: real TCP traffic on the ICA port through a veth pair between two
// network namespaces this test creates, captured by the agent's live libpcap source, with
// the detector's thresholds shortened by --set, raises an ica-video flag. Needs root
// (labels "root" and "network"); without root it is skipped with a message.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

using namespace std::chrono_literals;

bool run(const std::vector<std::string>& args) {
  return runProgram("/usr/sbin/ip", args, std::chrono::seconds(20)).exitCode == 0;
}

// Two namespaces joined by a veth pair: client 10.231.0.1 (vc), server 10.231.0.2 (vs).
// Removed, with the pair, when the object goes.
class NamespacePair {
 public:
  NamespacePair()
      : client_("tillid-ctx-c" + std::to_string(getpid())),
        server_("tillid-ctx-s" + std::to_string(getpid())) {
    ok_ = run({"netns", "add", client_}) && run({"netns", "add", server_}) &&
          run({"link", "add", "vc" + std::to_string(getpid()), "netns", client_, "type", "veth",
               "peer", "name", "vs" + std::to_string(getpid()), "netns", server_}) &&
          run({"-n", client_, "addr", "add", "10.231.0.1/24", "dev", clientIf()}) &&
          run({"-n", server_, "addr", "add", "10.231.0.2/24", "dev", serverIf()}) &&
          run({"-n", client_, "link", "set", clientIf(), "up"}) &&
          run({"-n", server_, "link", "set", serverIf(), "up"});
  }
  ~NamespacePair() {
    (void)run({"netns", "del", client_});  // deletes the veth pair with it
    (void)run({"netns", "del", server_});
  }
  bool ok() const { return ok_; }
  const std::string& client() const { return client_; }
  const std::string& server() const { return server_; }
  std::string clientIf() const { return "vc" + std::to_string(getpid()); }
  std::string serverIf() const { return "vs" + std::to_string(getpid()); }

 private:
  std::string client_;
  std::string server_;
  bool ok_ = false;
};

// Moves the calling thread into a named network namespace (sockets it opens live there).
bool enterNamespace(const std::string& name) {
  const int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool entered = setns(fd, CLONE_NEWNET) == 0;
  close(fd);
  return entered;
}

sockaddr_in address(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// The "Citrix server": accepts one connection on 1494 and sends ~8 Mbit/s until told to stop.
void serveVideo(const std::string& ns, std::atomic<bool>& listening, std::atomic<bool>& stop) {
  if (!enterNamespace(ns)) return;
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in a = address("10.231.0.2", 1494);
  if (bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener, 1) != 0) {
    close(listener);
    return;
  }
  listening = true;
  const int peer = accept(listener, nullptr, nullptr);
  close(listener);
  if (peer < 0) return;
  std::vector<char> chunk(100000, 'v');
  while (!stop) {
    if (send(peer, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
    std::this_thread::sleep_for(100ms);  // 1 MB/s
  }
  close(peer);
}

// The "Citrix client": connects and reads everything.
void watchVideo(const std::string& ns, std::atomic<bool>& stop) {
  if (!enterNamespace(ns)) return;
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = address("10.231.0.2", 1494);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return;
  }
  timeval timeout{0, 200000};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::vector<char> buffer(65536);
  while (!stop) (void)recv(s, buffer.data(), buffer.size(), 0);
  close(s);
}

Poco::JSON::Array::Ptr flagsOf(const std::string& stateDir) {
  const RunResult r = runProgram(TILLID_AGENT_BIN, {"--state-dir", stateDir, "flags", "--json"});
  if (r.exitCode != 0) return new Poco::JSON::Array;
  try {
    return Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Array::Ptr>();
  } catch (const Poco::Exception&) {
    return new Poco::JSON::Array;
  }
}

}  // namespace

TEST_CASE("a live video stream over ICA between namespaces raises an ica-video flag",
          "[citrix][live][root][network]") {
  if (geteuid() != 0) {
    ::tillid::test::skipTest("creating network namespaces needs root");
  }
  NamespacePair ns;
  REQUIRE(ns.ok());
  TempDir dir;
  const std::string state = dir.file("state");
  // The agent runs in the client's namespace, capturing on its end of the veth pair, with
  // the detector's windows shortened from minutes to seconds.
  ChildProcess agent("/usr/sbin/ip",
                     {"netns",       "exec",
                      ns.client(),   TILLID_AGENT_BIN,
                      "--state-dir", state,
                      "--set",       "employee_view.socket=" + state + ".sock",
                      "--set",       "capture.enabled=true",
                      "--set",       "monitoring.effective_from=2000-01-01",
                      "--set",       "capture.interfaces=[\"" + ns.clientIf() + "\"]",
                      "--set",       "citrix.window_seconds=2",
                      "--set",       "citrix.gap_merge_seconds=2",
                      "--set",       "citrix.session_end_grace_seconds=2",
                      "--set",       "citrix.ica_video.start_mbps=2",
                      "--set",       "citrix.ica_video.stop_mbps=1",
                      "--set",       "citrix.ica_video.min_duration_seconds=4",
                      "--set",       "store.batch_max_ms=100",
                      "run"});
  REQUIRE(waitUntil([&] { return agent.err().find("capturing on") != std::string::npos; }, 30s));

  std::atomic<bool> listening{false};
  std::atomic<bool> stop{false};
  std::thread server(serveVideo, ns.server(), std::ref(listening), std::ref(stop));
  REQUIRE(waitUntil([&] { return listening.load(); }, 10s));
  std::thread client(watchVideo, ns.client(), std::ref(stop));

  const bool flagged = waitUntil([&] { return flagsOf(state)->size() > 0; }, 40s);
  stop = true;
  client.join();
  server.join();
  agent.signal(SIGTERM);
  CHECK(agent.wait(30s) == 0);
  INFO(agent.err());
  REQUIRE(flagged);

  const auto flags = flagsOf(state);
  REQUIRE(flags->size() == 1);
  const auto flag = flags->getObject(0);
  CHECK(flag->getValue<std::string>("kind") == "ica-video");
  CHECK(flag->getValue<double>("avg_mbps") > 4.0);
  CHECK(flag->getValue<double>("avg_mbps") < 20.0);
  CHECK(flag->getValue<std::string>("state") == "closed");  // ended at the agent's stop
  const RunResult sessions =
      runProgram(TILLID_AGENT_BIN, {"--state-dir", state, "sessions", "--json"});
  CHECK(sessions.out.find("10.231.0.2") != std::string::npos);
  const RunResult log = runProgram(TILLID_AGENT_BIN, {"--state-dir", state, "audit", "show"});
  CHECK(log.out.find("citrix.flag.raised") != std::string::npos);
}

}  // namespace tillid::test
