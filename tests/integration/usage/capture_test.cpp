// The real agent on real packets: `replay` of damaged captures (counted, skipped, nothing
// lost) and of a capture moved to another time (--start), and live capture in `run` on a
// veth pair between two network namespaces this test creates (root only; removed at the
// end).

#include <Poco/JSON/Parser.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/integration/agent/agent_helpers.h"

using namespace tillid::test;

namespace {

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

int shell(const std::string& command) {
  return runProgram("/bin/sh", {"-c", command}, std::chrono::seconds(30)).exitCode;
}

// Two namespaces joined by a veth pair: the agent's side 10.79.x.1, the peer's 10.79.x.2.
class NamespacePair {
 public:
  NamespacePair() : id_(std::to_string(::getpid())) {
    const std::string a = agentNs(), b = peerNs(), va = "tva" + id_, vb = "tvb" + id_;
    ok_ = shell("ip netns add " + a + " && ip netns add " + b + " && ip link add " + va +
                " type veth peer name " + vb + " && ip link set " + va + " netns " + a +
                " && ip link set " + vb + " netns " + b + " && ip -n " + a + " addr add " +
                agentAddress() + "/24 dev " + va + " && ip -n " + b + " addr add " + peerAddress() +
                "/24 dev " + vb + " && ip -n " + a + " link set " + va + " up && ip -n " + b +
                " link set " + vb + " up") == 0;
  }
  ~NamespacePair() {
    (void)shell("ip netns del " + agentNs() + " 2>/dev/null; ip netns del " + peerNs() +
                " 2>/dev/null");
  }
  bool ok() const { return ok_; }
  std::string agentNs() const { return "tillid-cap-a-" + id_; }
  std::string peerNs() const { return "tillid-cap-b-" + id_; }
  std::string agentAddress() const { return "10.79." + std::to_string(::getpid() % 250) + ".1"; }
  std::string peerAddress() const { return "10.79." + std::to_string(::getpid() % 250) + ".2"; }

 private:
  std::string id_;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("replay counts and skips what it cannot decode, and records the rest",
          "[usage][replay]") {
  TempDir dir;
  const std::string state = dir.file("state");
  auto replay = agentCommand(state, {"replay", "--json", pcapPath("badpackets.pcap"),
                                     pcapPath("quic-fuzz-overflow.pcapng"), pcapPath("dns.pcap"),
                                     "--set", "retention.usage_days=3650"});
  INFO(replay.err);
  REQUIRE(replay.exitCode == 0);
  auto summary = parseJson(replay.out);
  const auto skipped = summary->getObject("skipped");
  CHECK(summary->getValue<int64_t>("frames") == 93 + 1 + 5);
  CHECK(skipped->getValue<int64_t>("malformed") > 0);
  CHECK(summary->getValue<int64_t>("packets") + summary->getValue<int64_t>("skipped_total") +
            summary->getValue<int64_t>("tcp_control_without_flow") ==
        summary->getValue<int64_t>("frames"));
  // What was decoded is in the store, to the byte.
  auto db = openAgentDb(state);
  CHECK(queryText(db, "SELECT sum(bytes_in + bytes_out) FROM usage_hourly") ==
        std::to_string(summary->getValue<int64_t>("bytes")));
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='usage.replay'") == "1");
}

TEST_CASE("replay of a file that is not a capture fails with the reason", "[usage][replay]") {
  TempDir dir;
  writeFile(dir.file("notes.txt"), "not a capture\n");
  auto replay = agentCommand(dir.file("state"), {"replay", dir.file("notes.txt")});
  CHECK(replay.exitCode == 1);
  CHECK_THAT(replay.out, Catch::Contains("notes.txt") && Catch::Contains("stopped"));
  CHECK(agentCommand(dir.file("state"), {"replay"}).exitCode == 2);
}

TEST_CASE("replay --start places each file's first frame at the time given", "[usage][replay]") {
  TempDir dir;
  // The hours recorded, and the rows with their totals.
  const auto replayed = [&](const std::string& state, std::vector<std::string> args) {
    args.insert(args.begin(), {"--set", "retention.usage_days=3650", "replay"});
    args.push_back(pcapPath("teams.pcap"));
    const RunResult replay = agentCommand(state, args);
    INFO(replay.err);
    REQUIRE(replay.exitCode == 0);
    auto db = openAgentDb(state);
    return std::make_pair(
        queryText(db, "SELECT group_concat(DISTINCT hour) FROM usage_hourly"),
        queryText(db,
                  "SELECT count(*) || ' ' || sum(connections) || ' ' || sum(bytes_in) ||"
                  " ' ' || sum(bytes_out) FROM usage_hourly"));
  };
  const auto asCaptured = replayed(dir.file("captured"), {});
  const auto moved = replayed(dir.file("moved"), {"--start", "2026-11-10T09:30:00Z"});
  // The capture's 26 s of April 2020 fall in one hour either way, with the same rows.
  CHECK(asCaptured.first == "2020-04-16T12:00:00Z");
  CHECK(moved.first == "2026-11-10T09:00:00Z");
  CHECK(moved.second == asCaptured.second);

  const RunResult bad =
      agentCommand(dir.file("bad"), {"replay", "--start", "yesterday", pcapPath("teams.pcap")});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.err, Catch::Contains("--start yesterday"));
}

TEST_CASE("replay starts only what records: no live capture, no uploads, no employee view",
          "[usage][replay]") {
  TempDir dir;
  // Settings under which the service would capture live and serve the employee view; a
  // replay must not try either (each would fail here and say so).
  const RunResult replay = agentCommand(
      dir.file("state"), {"--set", "capture.enabled=true", "--set",
                          "employee_view.socket=" + dir.file("no/such/dir/my-data.sock"), "replay",
                          pcapPath("teams.pcap")});
  INFO(replay.err);
  CHECK(replay.exitCode == 0);
  CHECK(replay.err.find("employee view") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("no")));  // the view would make its directory
  CHECK_FALSE(std::filesystem::exists(dir.file("state/offboard.lock")));  // nor resume a reset
  CHECK(replay.err.find("not capturing") == std::string::npos);
  auto db = openAgentDb(dir.file("state"));
  CHECK(queryText(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'usage.replay'") == "1");
}

TEST_CASE("live capture in the running agent records this device's traffic",
          "[usage][capture][root]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (network namespaces, CAP_NET_RAW): not run");
    return;
  }
  NamespacePair net;
  REQUIRE(net.ok());
  TempDir dir;
  const std::string state = dir.file("state");
  std::vector<std::string> args = {"netns", "exec", net.agentNs(), TILLID_AGENT_BIN};
  for (const auto& a : withStateDir(
           state, {"run", "--set", "capture.enabled=true", "--set", "usage.flush_seconds=1"})) {
    args.push_back(a);
  }
  ChildProcess agent("/usr/sbin/ip", args);
  REQUIRE(waitUntil([&] { return agentCommand(state, {"status"}).exitCode == 0; }));
  // 20 UDP datagrams of 6 bytes, each to its own port (20 flows: two sockets may get the
  // same ephemeral source port), then the agent stops.
  const int datagrams = 20;
  REQUIRE(shell("ip netns exec " + net.agentNs() + " sh -c 'sleep 1; for i in $(seq " +
                std::to_string(datagrams) + "); do bash -c \"echo hello > /dev/udp/" +
                net.peerAddress() + "/$((9000 + i))\"; done'") == 0);
  agent.signal(SIGTERM);
  REQUIRE(agent.wait() == 0);
  INFO(agent.err());
  CHECK_THAT(agent.err(), Catch::Contains("capturing on all interfaces"));

  auto db = openAgentDb(state);
  const std::string where =
      " FROM usage_hourly WHERE destination='" + net.peerAddress() + "' AND service='Unknown'";
  CHECK(queryText(db, "SELECT sum(connections)" + where) == std::to_string(datagrams));
  // Each datagram on the wire of "any" (Linux cooked header 16 + IP 20 + UDP 8 + 6).
  CHECK(queryText(db, "SELECT sum(bytes_out)" + where) == std::to_string(datagrams * 50));
  CHECK(queryText(db, "SELECT sum(bytes_in)" + where) == "0");
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='capture.failed'") == "0");
}
