#pragma once
// Builds the frames of synthetic flows: Ethernet + IPv4 + TCP/UDP headers, and the real
// opening payloads that let nDPI classify a flow: the ICA and CGP handshakes, a TLS
// ClientHello with SNI and ALPN, and a QUIC v1 Initial (encrypted with the initial keys
// of RFC 9001, as a browser sends it) carrying such a ClientHello.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tillid::scenario {

using Bytes = std::vector<uint8_t>;

struct Endpoint {
  std::array<uint8_t, 4> address{};
  uint16_t port = 0;
};

// Parses dotted IPv4 text; throws std::invalid_argument on anything else.
std::array<uint8_t, 4> parseIpv4(const std::string& text);

constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;
constexpr uint8_t kTcpFin = 0x01;

// A frame whose captured part holds the headers and `captured` payload bytes, and whose
// IP length says `payloadLength` payload bytes (>= captured.size()).
Bytes tcpFrame(const Endpoint& from, const Endpoint& to, uint32_t seq, uint32_t ack, uint8_t flags,
               const Bytes& captured, uint32_t payloadLength);
Bytes udpFrame(const Endpoint& from, const Endpoint& to, const Bytes& captured,
               uint32_t payloadLength);
// Header bytes in front of the payload.
constexpr uint32_t kTcpHeaders = 14 + 20 + 20;
constexpr uint32_t kUdpHeaders = 14 + 20 + 8;

// The ICA opening as a real session shows it (server first, the client echoes it, then
// the server's and the client's first protocol packets), and CGP's "\x1aCGP/01" opening.
std::vector<std::pair<bool, Bytes>> icaOpening();  // {fromServer, payload}
std::vector<std::pair<bool, Bytes>> cgpOpening();

// A TLS 1.3 ClientHello record (TLS over TCP) for `sni`.
Bytes tlsClientHelloRecord(const std::string& sni, uint32_t seed);
// A ServerHello record answering it (TLS 1.3, so the rest is encrypted).
Bytes tlsServerHelloRecord(uint32_t seed);
// A QUIC v1 Initial datagram payload (>= 1200 bytes) carrying a ClientHello for `sni`.
Bytes quicInitial(const std::string& sni, uint32_t seed);
// A QUIC short-header packet of `length` bytes (only the first bytes are captured).
Bytes quicShortHeader(uint32_t seed);

}  // namespace tillid::scenario
