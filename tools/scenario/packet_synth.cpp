#include "tools/scenario/packet_synth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <sstream>
#include <stdexcept>

namespace tillid::scenario {
namespace {

void put16(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put24(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, v);
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void append(Bytes& b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
}
Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
Bytes hex(const std::string& h) {
  Bytes out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}
Bytes randomBytes(std::mt19937& rng, size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}
// A length-prefixed block: 1, 2 or 3 bytes of length, then the body.
Bytes prefixed(int lengthBytes, const Bytes& body) {
  Bytes out;
  const auto n = static_cast<uint32_t>(body.size());
  if (lengthBytes == 1) out.push_back(static_cast<uint8_t>(n));
  if (lengthBytes == 2) put16(out, n);
  if (lengthBytes == 3) put24(out, n);
  append(out, body);
  return out;
}
Bytes extension(uint16_t type, const Bytes& body) {
  Bytes out;
  put16(out, type);
  append(out, prefixed(2, body));
  return out;
}

uint16_t checksum(const uint8_t* data, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (n % 2) sum += static_cast<uint32_t>(data[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes ipv4Frame(const Endpoint& from, const Endpoint& to, uint8_t protocol, const Bytes& transport,
                uint32_t ipPayloadLength) {
  Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};  // dst, src MAC
  const uint32_t total = std::min<uint32_t>(20 + ipPayloadLength, 65535);
  Bytes ip = {0x45, 0};
  put16(ip, total);
  put16(ip, 0);
  put16(ip, 0x4000);  // don't fragment
  ip.push_back(64);
  ip.push_back(protocol);
  put16(ip, 0);
  ip.insert(ip.end(), from.address.begin(), from.address.end());
  ip.insert(ip.end(), to.address.begin(), to.address.end());
  const uint16_t sum = checksum(ip.data(), ip.size());
  ip[10] = static_cast<uint8_t>(sum >> 8);
  ip[11] = static_cast<uint8_t>(sum);
  append(f, ip);
  append(f, transport);
  return f;
}

// RFC 5869 HKDF with SHA-256, short outputs only (<= 32 bytes).
Bytes hmacSha256(const Bytes& key, const Bytes& data) {
  Bytes out(32);
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}
Bytes hkdfExpandLabel(const Bytes& secret, const std::string& label, size_t length) {
  Bytes info;
  put16(info, static_cast<uint32_t>(length));
  append(info, prefixed(1, text("tls13 " + label)));
  info.push_back(0);  // empty context
  info.push_back(1);  // counter of the first (only) block
  Bytes out = hmacSha256(secret, info);
  out.resize(length);
  return out;
}

Bytes aes128Ecb(const Bytes& key, const Bytes& block) {
  Bytes out(block.size() + 16);
  int len = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_EncryptUpdate(ctx, out.data(), &len, block.data(), static_cast<int>(block.size()));
  EVP_CIPHER_CTX_free(ctx);
  out.resize(16);
  return out;
}

Bytes aes128Gcm(const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& plain) {
  Bytes out(plain.size() + 16);
  int len = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr);
  EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data());
  EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx, out.data(), &len, plain.data(), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, out.data() + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + plain.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// The ClientHello handshake message (type, length, body).
Bytes clientHello(const std::string& sni, std::mt19937& rng, bool quic) {
  Bytes body = {0x03, 0x03};
  append(body, randomBytes(rng, 32));
  append(body, prefixed(1, quic ? Bytes{} : randomBytes(rng, 32)));  // legacy session id
  append(body, prefixed(2, {0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f}));
  append(body, {0x01, 0x00});  // compression: null
  Bytes ext;
  Bytes name = {0x00};
  append(name, prefixed(2, text(sni)));
  append(ext, extension(0x0000, prefixed(2, name)));                      // server_name
  append(ext, extension(0x000a, prefixed(2, {0x00, 0x1d, 0x00, 0x17})));  // groups
  append(ext, extension(0x000d, prefixed(2, {0x04, 0x03, 0x08, 0x04})));  // sig algs
  Bytes alpn = quic ? prefixed(1, text("h3")) : [] {
    Bytes a = prefixed(1, text("h2"));
    append(a, prefixed(1, text("http/1.1")));
    return a;
  }();
  append(ext, extension(0x0010, prefixed(2, alpn)));          // ALPN
  append(ext, extension(0x002b, prefixed(1, {0x03, 0x04})));  // versions
  append(ext, extension(0x002d, prefixed(1, {0x01})));        // psk modes
  Bytes share = {0x00, 0x1d};
  append(share, prefixed(2, randomBytes(rng, 32)));
  append(ext, extension(0x0033, prefixed(2, share)));  // key_share
  if (quic) {
    // initial_max_data, initial_max_streams_bidi, max_idle_timeout (varints).
    append(ext, extension(0x0039, {0x04, 0x04, 0x80, 0x60, 0x00, 0x00, 0x08, 0x01, 0x64, 0x01, 0x04,
                                   0x80, 0x00, 0x75, 0x30}));
  }
  append(body, prefixed(2, ext));
  Bytes message = {0x01};
  append(message, prefixed(3, body));
  return message;
}

}  // namespace

std::array<uint8_t, 4> parseIpv4(const std::string& textAddress) {
  std::array<uint8_t, 4> out{};
  std::istringstream in(textAddress);
  std::string part;
  int i = 0;
  while (std::getline(in, part, '.')) {
    if (i == 4 || part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos || std::stoi(part) > 255) {
      throw std::invalid_argument("not an IPv4 address: " + textAddress);
    }
    out[static_cast<size_t>(i++)] = static_cast<uint8_t>(std::stoi(part));
  }
  if (i != 4) throw std::invalid_argument("not an IPv4 address: " + textAddress);
  return out;
}

Bytes tcpFrame(const Endpoint& from, const Endpoint& to, uint32_t seq, uint32_t ack, uint8_t flags,
               const Bytes& captured, uint32_t payloadLength) {
  Bytes tcp;
  put16(tcp, from.port);
  put16(tcp, to.port);
  put32(tcp, seq);
  put32(tcp, ack);
  tcp.push_back(0x50);
  tcp.push_back(flags);
  put16(tcp, 0xffff);
  put16(tcp, 0);  // checksum: not computed (the payload is not all there)
  put16(tcp, 0);
  append(tcp, captured);
  return ipv4Frame(from, to, 6, tcp, 20 + payloadLength);
}

Bytes udpFrame(const Endpoint& from, const Endpoint& to, const Bytes& captured,
               uint32_t payloadLength) {
  Bytes udp;
  put16(udp, from.port);
  put16(udp, to.port);
  put16(udp, std::min<uint32_t>(8 + payloadLength, 65535));
  put16(udp, 0);
  append(udp, captured);
  return ipv4Frame(from, to, 17, udp, 8 + payloadLength);
}

std::vector<std::pair<bool, Bytes>> icaOpening() {
  // From a real ICA session (nDPI's citrix.pcap, frames 4-7).
  return {{true, hex("7f7f49434100")},
          {false, hex("7f7f49434100")},
          {true, hex("000f00070002040006000200030004000100")},
          {false, hex("019700970015000104574649434133322e4558450000000000000000000000352856"
                      "be0086060004000000090400000156000000000000580000007500000000000000000021"
                      "03820058003f000000000000000400000c00000000345852745069587c4b63040e3b04"
                      "26023d1319261324112b143c5b510772546d4c7f5b2d0b320d351741214e2c495c415f"
                      "3e23462243380d3210340b254412")}};
}

std::vector<std::pair<bool, Bytes>> cgpOpening() {
  Bytes hello = text(
      "\x1a"
      "CGP/01");
  append(hello, {0x00, 0x00, 0x00, 0x01});
  return {{false, hello}, {true, hello}};
}

Bytes tlsClientHelloRecord(const std::string& sni, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes record = {0x16, 0x03, 0x01};
  append(record, prefixed(2, clientHello(sni, rng, false)));
  return record;
}

Bytes tlsServerHelloRecord(uint32_t seed) {
  std::mt19937 rng(seed + 1);
  Bytes body = {0x03, 0x03};
  append(body, randomBytes(rng, 32));
  append(body, prefixed(1, randomBytes(rng, 32)));
  append(body, {0x13, 0x01, 0x00});
  Bytes ext = extension(0x002b, {0x03, 0x04});
  Bytes share = {0x00, 0x1d};
  append(share, prefixed(2, randomBytes(rng, 32)));
  append(ext, extension(0x0033, share));
  append(body, prefixed(2, ext));
  Bytes message = {0x02};
  append(message, prefixed(3, body));
  Bytes record = {0x16, 0x03, 0x03};
  append(record, prefixed(2, message));
  append(record, {0x14, 0x03, 0x03, 0x00, 0x01, 0x01});  // change_cipher_spec
  return record;
}

Bytes quicInitial(const std::string& sni, uint32_t seed) {
  std::mt19937 rng(seed);
  const Bytes dcid = randomBytes(rng, 8);
  const Bytes scid = randomBytes(rng, 8);
  // RFC 9001 5.2: the client's Initial keys come from the Destination Connection ID.
  const Bytes salt = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
  const Bytes initialSecret = hmacSha256(salt, dcid);
  const Bytes clientSecret = hkdfExpandLabel(initialSecret, "client in", 32);
  const Bytes key = hkdfExpandLabel(clientSecret, "quic key", 16);
  const Bytes iv = hkdfExpandLabel(clientSecret, "quic iv", 12);
  const Bytes hp = hkdfExpandLabel(clientSecret, "quic hp", 16);

  const Bytes hello = clientHello(sni, rng, true);
  Bytes plain = {0x06, 0x00};  // CRYPTO frame at offset 0
  put16(plain, 0x4000 | static_cast<uint32_t>(hello.size()));
  append(plain, hello);
  constexpr size_t kPnLength = 4;
  // Pad so the datagram is 1200 bytes (RFC 9000 14.1).
  const size_t headerGuess = 1 + 4 + 1 + 8 + 1 + 8 + 1 + 2 + kPnLength;
  if (headerGuess + plain.size() + 16 < 1200) plain.resize(1200 - headerGuess - 16, 0x00);

  Bytes header = {0xc0 | (kPnLength - 1)};
  put32(header, 1);  // version 1
  append(header, prefixed(1, dcid));
  append(header, prefixed(1, scid));
  header.push_back(0);  // no token
  put16(header, 0x4000 | static_cast<uint32_t>(kPnLength + plain.size() + 16));
  const size_t pnOffset = header.size();
  put32(header, 0);                                        // packet number 0
  const Bytes sealed = aes128Gcm(key, iv, header, plain);  // nonce = iv ^ 0
  Bytes packet = header;
  append(packet, sealed);
  // Header protection with a sample 4 bytes after the packet number's start.
  const Bytes sample(packet.begin() + static_cast<long>(pnOffset + 4),
                     packet.begin() + static_cast<long>(pnOffset + 20));
  const Bytes mask = aes128Ecb(hp, sample);
  packet[0] ^= mask[0] & 0x0f;
  for (size_t i = 0; i < kPnLength; ++i) packet[pnOffset + i] ^= mask[1 + i];
  return packet;
}

Bytes quicShortHeader(uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out = {0x40};
  append(out, randomBytes(rng, 8 + 3));
  return out;
}

}  // namespace tillid::scenario
