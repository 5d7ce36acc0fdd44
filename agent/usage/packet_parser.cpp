#include "agent/usage/packet_parser.h"

#include <charconv>
#include <cstring>

namespace tillid::usage {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88A8;
constexpr uint16_t kEtherTypeQinQOld = 0x9100;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtensionHeaders = 8;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Address families a loopback header may carry (they differ between BSDs for IPv6).
bool isIpv4Family(uint32_t family) {
  return family == 2;
}
bool isIpv6Family(uint32_t family) {
  return family == 10 || family == 24 || family == 28 || family == 30;
}

// `length`: bytes captured of the IP payload; `declared`: its length by the IP header.
ParseOutcome parseTransport(const uint8_t* p, size_t length, size_t declared, ParsedPacket& out) {
  if (out.protocol == kProtocolTcp) {
    if (length < 20) return ParseOutcome::kTruncated;
    const size_t headerLength = static_cast<size_t>(p[12] >> 4) * 4;
    if (headerLength < 20) return ParseOutcome::kMalformed;
    if (length < headerLength) return ParseOutcome::kTruncated;
    out.sourcePort = be16(p);
    out.destinationPort = be16(p + 2);
    out.tcpFlags = p[13];
    out.payload = p + headerLength;
    out.payloadLength = length - headerLength;
  } else if (out.protocol == kProtocolUdp) {
    if (length < 8) return ParseOutcome::kTruncated;
    const size_t udpLength = be16(p + 4);
    // Zero is allowed for IPv6 jumbograms; otherwise the UDP length must fit the IP one.
    if ((udpLength != 0 && udpLength < 8) || udpLength > declared) {
      return ParseOutcome::kMalformed;
    }
    out.sourcePort = be16(p);
    out.destinationPort = be16(p + 2);
    out.payload = p + 8;
    out.payloadLength = length - 8;
  } else {
    out.payload = p;
    out.payloadLength = length;
  }
  return ParseOutcome::kOk;
}

ParseOutcome parseIpv4(const uint8_t* p, size_t length, ParsedPacket& out) {
  if (length < 20) return ParseOutcome::kTruncated;
  const size_t headerLength = static_cast<size_t>(p[0] & 0x0F) * 4;
  size_t totalLength = be16(p + 2);
  // Zero: a segmentation-offloaded packet captured on the sending host before the NIC
  // split it; its size is what was captured.
  if (totalLength == 0) totalLength = length;
  if (headerLength < 20 || totalLength < headerLength) return ParseOutcome::kMalformed;
  if (length < headerLength) return ParseOutcome::kTruncated;
  out.ipVersion = 4;
  out.protocol = p[9];
  std::memcpy(out.source.data(), p + 12, 4);
  std::memcpy(out.destination.data(), p + 16, 4);
  // A snap length may cut the packet; Ethernet padding may extend it. Trust the IP length
  // within what was captured.
  const size_t available = totalLength < length ? totalLength : length;
  out.ip = p;
  out.ipLength = available;
  const uint16_t fragment = be16(p + 6);
  if ((fragment & 0x1FFF) != 0) return ParseOutcome::kFragment;
  return parseTransport(p + headerLength, available - headerLength, totalLength - headerLength,
                        out);
}

ParseOutcome parseIpv6(const uint8_t* p, size_t length, ParsedPacket& out) {
  if (length < 40) return ParseOutcome::kTruncated;
  const size_t payloadLength = be16(p + 4);
  out.ipVersion = 6;
  std::memcpy(out.source.data(), p + 8, 16);
  std::memcpy(out.destination.data(), p + 24, 16);
  const size_t available = 40 + payloadLength < length ? 40 + payloadLength : length;
  out.ip = p;
  out.ipLength = available;
  uint8_t next = p[6];
  size_t offset = 40;
  for (int i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
        if (available < offset + 8) return ParseOutcome::kTruncated;
        next = p[offset];
        offset += (static_cast<size_t>(p[offset + 1]) + 1) * 8;
        break;
      case 44: {  // fragment
        if (available < offset + 8) return ParseOutcome::kTruncated;
        const uint16_t fragmentOffset = be16(p + offset + 2) & 0xFFF8;
        next = p[offset];
        offset += 8;
        if (fragmentOffset != 0) return ParseOutcome::kFragment;
        break;
      }
      case 51:  // authentication header: length in 4-byte units, minus 2
        if (available < offset + 8) return ParseOutcome::kTruncated;
        next = p[offset];
        offset += (static_cast<size_t>(p[offset + 1]) + 2) * 4;
        break;
      default:
        if (available < offset) return ParseOutcome::kTruncated;
        out.protocol = next;
        if (40 + payloadLength < offset) return ParseOutcome::kMalformed;
        return parseTransport(p + offset, available - offset, 40 + payloadLength - offset, out);
    }
  }
  return ParseOutcome::kMalformed;  // a chain of extension headers longer than any real one
}

ParseOutcome parseIp(const uint8_t* p, size_t length, ParsedPacket& out) {
  if (length < 1) return ParseOutcome::kTruncated;
  switch (p[0] >> 4) {
    case 4:
      return parseIpv4(p, length, out);
    case 6:
      return parseIpv6(p, length, out);
    default:
      return ParseOutcome::kMalformed;
  }
}

ParseOutcome parseByEtherType(uint16_t etherType, const uint8_t* p, size_t length,
                              ParsedPacket& out) {
  if (etherType == kEtherTypeIpv4) {
    if (length >= 1 && p[0] >> 4 != 4) return ParseOutcome::kMalformed;
    return parseIpv4(p, length, out);
  }
  if (etherType == kEtherTypeIpv6) {
    if (length >= 1 && p[0] >> 4 != 6) return ParseOutcome::kMalformed;
    return parseIpv6(p, length, out);
  }
  return ParseOutcome::kNotIp;
}

ParseOutcome parseEthernet(const uint8_t* p, size_t length, ParsedPacket& out) {
  if (length < 14) return ParseOutcome::kTruncated;
  size_t offset = 12;
  uint16_t etherType = be16(p + offset);
  for (int tags = 0;
       etherType == kEtherTypeVlan || etherType == kEtherTypeQinQ || etherType == kEtherTypeQinQOld;
       ++tags) {
    if (tags == kMaxVlanTags) return ParseOutcome::kMalformed;
    offset += 4;
    if (length < offset + 2) return ParseOutcome::kTruncated;
    etherType = be16(p + offset);
  }
  offset += 2;
  return parseByEtherType(etherType, p + offset, length - offset, out);
}

ParseOutcome parseLoopback(const uint8_t* p, size_t length, bool networkOrder, ParsedPacket& out) {
  if (length < 4) return ParseOutcome::kTruncated;
  uint32_t family = 0;
  if (networkOrder) {
    family = static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
             static_cast<uint32_t>(p[2]) << 8 | p[3];
  } else {
    // Written in the capturing host's byte order, which need not be ours: a small value
    // in either order is the family.
    const uint32_t little = static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
                            static_cast<uint32_t>(p[1]) << 8 | p[0];
    const uint32_t big = static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
                         static_cast<uint32_t>(p[2]) << 8 | p[3];
    family = little < 256 ? little : big;
  }
  if (isIpv4Family(family)) return parseIpv4(p + 4, length - 4, out);
  if (isIpv6Family(family)) return parseIpv6(p + 4, length - 4, out);
  return ParseOutcome::kNotIp;
}

}  // namespace

std::string_view parseOutcomeName(ParseOutcome outcome) {
  switch (outcome) {
    case ParseOutcome::kOk:
      return "ok";
    case ParseOutcome::kTruncated:
      return "truncated";
    case ParseOutcome::kMalformed:
      return "malformed";
    case ParseOutcome::kUnknownLinkType:
      return "unknown_link_type";
    case ParseOutcome::kNotIp:
      return "not_ip";
    case ParseOutcome::kFragment:
      return "fragment";
  }
  return "unknown";
}

ParseOutcome parsePacket(LinkType linkType, const uint8_t* frame, size_t length,
                         ParsedPacket& out) {
  out = ParsedPacket{};
  switch (linkType) {
    case LinkType::kEthernet:
      return parseEthernet(frame, length, out);
    case LinkType::kRaw:
      return parseIp(frame, length, out);
    case LinkType::kIpv4:
      return parseIpv4(frame, length, out);
    case LinkType::kIpv6:
      return parseIpv6(frame, length, out);
    case LinkType::kNull:
      return parseLoopback(frame, length, false, out);
    case LinkType::kLoop:
      return parseLoopback(frame, length, true, out);
    case LinkType::kLinuxSll:  // 16 bytes, protocol type at offset 14
      if (length < 16) return ParseOutcome::kTruncated;
      return parseByEtherType(be16(frame + 14), frame + 16, length - 16, out);
    case LinkType::kLinuxSll2:  // 20 bytes, protocol type at offset 0
      if (length < 20) return ParseOutcome::kTruncated;
      return parseByEtherType(be16(frame), frame + 20, length - 20, out);
  }
  return ParseOutcome::kUnknownLinkType;
}

}  // namespace tillid::usage

namespace tillid::usage {

std::string formatAddress(const std::array<uint8_t, 16>& address, uint8_t ipVersion) {
  // std::to_chars, not snprintf: observers get addresses formatted per run of packets of
  // a flow, and snprintf's format parsing cost several per cent of a replay's time.
  char buffer[48];
  if (ipVersion == 4) {
    char* end = buffer;
    for (int i = 0; i < 4; ++i) {
      if (i > 0) *end++ = '.';
      end = std::to_chars(end, buffer + sizeof buffer, address[i]).ptr;
    }
    return std::string(buffer, end);
  }
  uint16_t groups[8];
  for (size_t i = 0; i < 8; ++i) groups[i] = be16(address.data() + 2 * i);
  // RFC 5952: the longest run (at least two) of zero groups, the first if tied, becomes "::".
  int bestStart = -1;
  int bestLength = 1;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  std::string text;
  for (int i = 0; i < 8; ++i) {
    if (i == bestStart) {
      text += "::";
      i += bestLength - 1;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    text.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, groups[i], 16).ptr);
  }
  return text;
}

}  // namespace tillid::usage
