#pragma once
// Decodes one captured frame down to its transport header: link layer (Ethernet with VLAN
// tags, Linux cooked SLL and SLL2, raw IP, BSD/Linux loopback), IPv4 or IPv6 (with
// extension headers), TCP or UDP ports and flags. Pure code: no allocation, no OS headers,
// safe on any input (the fuzz target feeds it random bytes). Frames it cannot decode are
// reported with a reason so the pipeline can count and skip them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tillid::usage {

// Link-layer header types, numbered as libpcap's LINKTYPE_* values.
enum class LinkType : uint16_t {
  kNull = 0,  // BSD loopback: 4-byte address family in host byte order
  kEthernet = 1,
  kRaw = 101,   // raw IPv4 or IPv6
  kLoop = 108,  // OpenBSD loopback: address family in network byte order
  kLinuxSll = 113,
  kIpv4 = 228,
  kIpv6 = 229,
  kLinuxSll2 = 276,
};

// Why a frame was skipped. kOk means `ParsedPacket` is filled in.
enum class ParseOutcome : uint8_t {
  kOk,
  kTruncated,        // the captured bytes end inside a header
  kMalformed,        // a header contradicts itself (bad version, length, header size)
  kUnknownLinkType,  // a link type this parser does not decode
  kNotIp,            // a valid frame that carries no IP (ARP, LLDP, ...)
  kFragment,         // an IP fragment after the first: no transport header to key it by
};
inline constexpr size_t kParseOutcomeCount = 6;
std::string_view parseOutcomeName(ParseOutcome outcome);

struct ParsedPacket {
  uint8_t ipVersion = 0;  // 4 or 6
  uint8_t protocol = 0;   // transport protocol after extension headers
  // IPv4 addresses occupy the first 4 bytes; the rest is zero.
  std::array<uint8_t, 16> source{};
  std::array<uint8_t, 16> destination{};
  uint16_t sourcePort = 0;  // 0 for protocols without ports
  uint16_t destinationPort = 0;
  uint8_t tcpFlags = 0;  // TCP only (kTcpFin, kTcpSyn, ...)
  // The IP packet (what nDPI wants), within the captured bytes, and the transport payload.
  const uint8_t* ip = nullptr;
  size_t ipLength = 0;
  const uint8_t* payload = nullptr;
  size_t payloadLength = 0;
};

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kProtocolTcp = 6;
inline constexpr uint8_t kProtocolUdp = 17;

// Decodes `length` captured bytes of a frame of `linkType`. On kOk, `out` points into
// `frame` (valid as long as the frame is).
ParseOutcome parsePacket(LinkType linkType, const uint8_t* frame, size_t length, ParsedPacket& out);

}  // namespace tillid::usage

namespace tillid::usage {

// Prints an address as ParsedPacket holds it: dotted IPv4, or IPv6 in RFC 5952 form
// ("2001:db8::1").
std::string formatAddress(const std::array<uint8_t, 16>& address, uint8_t ipVersion);

}  // namespace tillid::usage
