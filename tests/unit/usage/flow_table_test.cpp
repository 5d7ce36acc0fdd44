#include "agent/usage/flow_table.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace tillid::usage;

namespace {

struct Ended {
  uint64_t id;
  FlowEndReason reason;
  uint64_t bytesFromClient;
  uint64_t bytesToClient;
};

class Recorder final : public FlowEndSink {
 public:
  void flowEnded(uint32_t, const FlowRecord& r, FlowEndReason reason, int64_t) override {
    ended.push_back({r.id, reason, r.bytesFromClient, r.bytesToClient});
  }
  std::vector<Ended> ended;
};

ParsedPacket tcp(uint8_t lastOctetFrom, uint16_t fromPort, uint8_t lastOctetTo, uint16_t toPort,
                 uint8_t flags, size_t payload) {
  ParsedPacket p;
  p.ipVersion = 4;
  p.protocol = kProtocolTcp;
  p.source = {10, 0, 0, lastOctetFrom};
  p.destination = {10, 0, 0, lastOctetTo};
  p.sourcePort = fromPort;
  p.destinationPort = toPort;
  p.tcpFlags = flags;
  p.payloadLength = payload;
  return p;
}

}  // namespace

TEST_CASE("Both directions of a TCP conversation are one flow, FIN from both ends it",
          "[usage][flows]") {
  Recorder sink;
  FlowTable table({}, sink);
  // The server's address sorts first, so the key's side A is the server.
  auto syn = table.touch(tcp(9, 50000, 1, 443, kTcpSyn, 0), 1, 60);
  REQUIRE(syn.created);
  CHECK(syn.fromClient);
  auto synAck = table.touch(tcp(1, 443, 9, 50000, kTcpSyn | kTcpAck, 0), 2, 60);
  CHECK(synAck.slot == syn.slot);
  CHECK_FALSE(synAck.fromClient);
  CHECK(table.record(syn.slot).clientPort() == 50000);
  table.touch(tcp(1, 443, 9, 50000, kTcpAck, 1000), 3, 1054);
  table.touch(tcp(9, 50000, 1, 443, kTcpFin | kTcpAck, 0), 4, 54);
  auto last = table.touch(tcp(1, 443, 9, 50000, kTcpFin | kTcpAck, 0), 5, 54);
  REQUIRE(last.ending);
  table.endFlow(last.slot, last.endReason, 5);
  REQUIRE(sink.ended.size() == 1);
  CHECK(sink.ended[0].reason == FlowEndReason::kClosed);
  CHECK(sink.ended[0].bytesFromClient == 60 + 54);
  CHECK(sink.ended[0].bytesToClient == 60 + 1054 + 54);
  // The last ACK of the closed conversation opens nothing.
  CHECK(table.touch(tcp(9, 50000, 1, 443, kTcpAck, 0), 6, 54).slot == FlowTable::kNoSlot);
  CHECK(table.stats().controlWithoutFlow == 1);
  CHECK(table.size() == 0);
}

TEST_CASE("A SYN-ACK seen first still makes its receiver the client", "[usage][flows]") {
  Recorder sink;
  FlowTable table({}, sink);
  auto t = table.touch(tcp(1, 443, 9, 50000, kTcpSyn | kTcpAck, 0), 1, 60);
  CHECK_FALSE(t.fromClient);
  CHECK(table.record(t.slot).clientPort() == 50000);
}

TEST_CASE("RST ends a flow, idle flows expire by their protocol's timeout", "[usage][flows]") {
  Recorder sink;
  FlowTableOptions options;
  options.tcpIdleMicros = 100;
  options.udpIdleMicros = 10;
  FlowTable table(options, sink);
  auto a = table.touch(tcp(9, 50000, 1, 443, kTcpSyn, 0), 1, 60);
  auto rst = table.touch(tcp(1, 443, 9, 50000, kTcpRst, 0), 2, 60);
  CHECK(rst.ending);
  CHECK(rst.endReason == FlowEndReason::kReset);
  table.endFlow(a.slot, rst.endReason, 2);
  table.touch(tcp(9, 50001, 1, 443, kTcpSyn, 0), 10, 60);
  ParsedPacket udp = tcp(9, 5000, 1, 53, 0, 30);
  udp.protocol = kProtocolUdp;
  table.touch(udp, 10, 70);
  table.expire(25);  // UDP idle for 15 > 10; TCP idle for 15 < 100
  REQUIRE(sink.ended.size() == 2);
  CHECK(sink.ended[1].reason == FlowEndReason::kIdle);
  CHECK(table.size() == 1);
  table.expire(111);
  CHECK(table.size() == 0);
}

TEST_CASE("A full table evicts the least recently seen flow and counts it", "[usage][flows]") {
  Recorder sink;
  FlowTableOptions options;
  options.maxFlows = 4;
  FlowTable table(options, sink);
  for (uint16_t port = 1; port <= 4; ++port) {
    table.touch(tcp(9, static_cast<uint16_t>(40000 + port), 1, 443, kTcpSyn, 0), port, 60);
  }
  table.touch(tcp(9, 40001, 1, 443, kTcpAck, 10), 5, 64);  // port 40001 is recent again
  for (uint16_t port = 5; port <= 200; ++port) {
    table.touch(tcp(9, static_cast<uint16_t>(40000 + port), 1, 443, kTcpSyn, 0), 5 + port, 60);
  }
  CHECK(table.size() == 4);
  CHECK(table.stats().evicted == 196);
  CHECK(sink.ended[0].id == 2);  // the oldest untouched flow went first
  // Every surviving flow is still found (the index stayed consistent through evictions).
  for (uint16_t port = 197; port <= 200; ++port) {
    auto t = table.touch(tcp(1, 443, 9, static_cast<uint16_t>(40000 + port), kTcpAck, 5), 300, 60);
    CHECK_FALSE(t.created);
  }
}
