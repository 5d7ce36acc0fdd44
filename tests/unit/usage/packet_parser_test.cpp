#include "agent/usage/packet_parser.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace tillid::usage;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes ipv4Udp(uint16_t sourcePort, uint16_t destinationPort, size_t payload) {
  const size_t total = 20 + 8 + payload;
  Bytes p(total, 0);
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
  p[8] = 64;
  p[9] = 17;
  p[12] = 10, p[13] = 0, p[14] = 0, p[15] = 5;
  p[16] = 93, p[17] = 184, p[18] = 216, p[19] = 34;
  p[20] = static_cast<uint8_t>(sourcePort >> 8), p[21] = static_cast<uint8_t>(sourcePort);
  p[22] = static_cast<uint8_t>(destinationPort >> 8), p[23] = static_cast<uint8_t>(destinationPort);
  p[24] = static_cast<uint8_t>((8 + payload) >> 8), p[25] = static_cast<uint8_t>(8 + payload);
  return p;
}

Bytes ipv6Tcp(bool withHopByHop) {
  Bytes tcp(20, 0);
  tcp[0] = 0xC0, tcp[1] = 0x01;  // 49153
  tcp[2] = 0x01, tcp[3] = 0xBB;  // 443
  tcp[12] = 5 << 4;
  tcp[13] = kTcpSyn;
  Bytes ext;
  if (withHopByHop) ext = {6, 0, 1, 4, 0, 0, 0, 0};  // next: TCP, 8 bytes, a PadN option
  Bytes p(40, 0);
  p[0] = 0x60;
  const size_t payload = ext.size() + tcp.size();
  p[4] = static_cast<uint8_t>(payload >> 8), p[5] = static_cast<uint8_t>(payload);
  p[6] = withHopByHop ? 0 : 6;
  p[7] = 64;
  p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
  p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
  p.insert(p.end(), ext.begin(), ext.end());
  p.insert(p.end(), tcp.begin(), tcp.end());
  return p;
}

Bytes ethernet(const Bytes& ip, uint16_t etherType, int vlanTags) {
  Bytes f(12, 0xAA);
  for (int i = 0; i < vlanTags; ++i) f.insert(f.end(), {0x81, 0x00, 0x00, 0x07});
  f.push_back(static_cast<uint8_t>(etherType >> 8));
  f.push_back(static_cast<uint8_t>(etherType));
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

ParseOutcome parse(LinkType type, const Bytes& frame, ParsedPacket& out) {
  return parsePacket(type, frame.data(), frame.size(), out);
}

}  // namespace

TEST_CASE("Ethernet with VLAN tags, IPv4 and UDP are decoded", "[usage][parser]") {
  for (int tags = 0; tags <= 2; ++tags) {
    ParsedPacket p;
    REQUIRE(parse(LinkType::kEthernet, ethernet(ipv4Udp(5353, 53, 12), 0x0800, tags), p) ==
            ParseOutcome::kOk);
    CHECK(p.ipVersion == 4);
    CHECK(p.protocol == kProtocolUdp);
    CHECK(p.sourcePort == 5353);
    CHECK(p.destinationPort == 53);
    CHECK(p.payloadLength == 12);
    CHECK(p.ipLength == 40);
    CHECK(formatAddress(p.source, 4) == "10.0.0.5");
    CHECK(formatAddress(p.destination, 4) == "93.184.216.34");
  }
}

TEST_CASE("IPv6 with an extension header reaches the TCP header", "[usage][parser]") {
  for (bool hop : {false, true}) {
    ParsedPacket p;
    REQUIRE(parse(LinkType::kRaw, ipv6Tcp(hop), p) == ParseOutcome::kOk);
    CHECK(p.ipVersion == 6);
    CHECK(p.protocol == kProtocolTcp);
    CHECK(p.destinationPort == 443);
    CHECK(p.tcpFlags == kTcpSyn);
    CHECK(formatAddress(p.source, 6) == "2001:db8::1");
  }
}

TEST_CASE("Linux cooked captures (SLL and SLL2) and loopback are decoded", "[usage][parser]") {
  const Bytes ip = ipv4Udp(40000, 443, 100);
  Bytes sll(16, 0);
  sll[14] = 0x08;
  sll.insert(sll.end(), ip.begin(), ip.end());
  Bytes sll2(20, 0);
  sll2[0] = 0x08;
  sll2.insert(sll2.end(), ip.begin(), ip.end());
  Bytes null = {2, 0, 0, 0};  // AF_INET, little-endian host
  null.insert(null.end(), ip.begin(), ip.end());
  ParsedPacket p;
  CHECK(parse(LinkType::kLinuxSll, sll, p) == ParseOutcome::kOk);
  CHECK(p.destinationPort == 443);
  CHECK(parse(LinkType::kLinuxSll2, sll2, p) == ParseOutcome::kOk);
  CHECK(p.destinationPort == 443);
  CHECK(parse(LinkType::kNull, null, p) == ParseOutcome::kOk);
  CHECK(p.destinationPort == 443);
}

TEST_CASE("Every truncation of a frame is a reason, never a crash", "[usage][parser]") {
  const Bytes frame = ethernet(ipv6Tcp(true), 0x86DD, 1);
  ParsedPacket p;
  REQUIRE(parse(LinkType::kEthernet, frame, p) == ParseOutcome::kOk);
  for (size_t length = 0; length < frame.size(); ++length) {
    const Bytes cut(frame.begin(), frame.begin() + static_cast<long>(length));
    CHECK(parse(LinkType::kEthernet, cut, p) == ParseOutcome::kTruncated);
  }
}

TEST_CASE(
    "Contradictory headers, non-IP frames, fragments and unknown link types are "
    "named",
    "[usage][parser]") {
  ParsedPacket p;
  Bytes badIhl = ipv4Udp(1, 2, 0);
  badIhl[0] = 0x43;  // header length 12 < 20
  CHECK(parse(LinkType::kRaw, badIhl, p) == ParseOutcome::kMalformed);
  Bytes udpTooLong = ipv4Udp(1, 2, 10);
  udpTooLong[24] = 0x20;  // UDP says 8200 bytes inside a 38-byte IP packet
  CHECK(parse(LinkType::kRaw, udpTooLong, p) == ParseOutcome::kMalformed);
  Bytes fragment = ipv4Udp(1, 2, 10);
  fragment[7] = 0x10;  // offset 128 bytes: no UDP header here
  CHECK(parse(LinkType::kRaw, fragment, p) == ParseOutcome::kFragment);
  CHECK(parse(LinkType::kEthernet, ethernet(Bytes(28, 0), 0x0806, 0), p) == ParseOutcome::kNotIp);
  CHECK(parse(static_cast<LinkType>(147), ipv4Udp(1, 2, 0), p) == ParseOutcome::kUnknownLinkType);
  CHECK(parse(LinkType::kEthernet, ethernet(ipv4Udp(1, 2, 0), 0x8100, 5), p) ==
        ParseOutcome::kMalformed);  // more VLAN tags than any real network stacks
}
