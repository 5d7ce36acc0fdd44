#include "agent/usage/destination_namer.h"

#include <libpsl.h>

#include <algorithm>
#include <cstring>

#include "agent/usage/packet_parser.h"

namespace tillid::usage {
namespace {

constexpr size_t kMaxName = 253;
constexpr int kMaxCompressionJumps = 16;
constexpr int kMaxChainSteps = 8;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
// Clients keep using an address after a short TTL ran out (connection pools, their own
// caches), so an answer is trusted for at least this long; never for more than a day.
constexpr int64_t kMinTtlMicros = 300'000'000;
constexpr int64_t kMaxTtlMicros = 86'400'000'000;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Reads a (possibly compressed) name at `offset` into `out` as dotted lower case.
// Returns the offset just after the name where it is stored, or 0 when malformed.
size_t readName(const uint8_t* msg, size_t length, size_t offset, std::string& out) {
  out.clear();
  size_t after = 0;
  for (int jumps = 0;;) {
    if (offset >= length) return 0;
    const uint8_t label = msg[offset];
    if (label == 0) {
      return after != 0 ? after : offset + 1;
    }
    if ((label & 0xC0) == 0xC0) {
      if (offset + 1 >= length || ++jumps > kMaxCompressionJumps) return 0;
      if (after == 0) after = offset + 2;
      offset = static_cast<size_t>(label & 0x3F) << 8 | msg[offset + 1];
      continue;
    }
    if ((label & 0xC0) != 0) return 0;
    if (offset + 1 + label > length || out.size() + label + 1 > kMaxName + 1) return 0;
    if (!out.empty()) out += '.';
    for (size_t i = 0; i < label; ++i) {
      const char c = static_cast<char>(msg[offset + 1 + i]);
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    offset += 1 + label;
  }
}

}  // namespace

Result<std::unique_ptr<DestinationNamer>> DestinationNamer::create(size_t maxCacheEntries) {
  // Debian's publicsuffix package keeps the current list; the copy built into libpsl is
  // the fallback.
  const psl_ctx_t* latest = psl_latest(nullptr);
  if (latest != nullptr) {
    return std::unique_ptr<DestinationNamer>(new DestinationNamer(latest, true, maxCacheEntries));
  }
  const psl_ctx_t* builtin = psl_builtin();
  if (builtin == nullptr) {
    return Status::error(ErrorCode::kNotFound, "libpsl has no public suffix list");
  }
  return std::unique_ptr<DestinationNamer>(new DestinationNamer(builtin, false, maxCacheEntries));
}

DestinationNamer::~DestinationNamer() {
  if (ownsPsl_) psl_free(const_cast<psl_ctx_t*>(psl_));
}

void DestinationNamer::forget() {
  cache_.clear();
}

DestinationNamer::AddressKey DestinationNamer::keyOf(const uint8_t* address, size_t length) {
  uint8_t bytes[16] = {};
  std::memcpy(bytes, address, std::min<size_t>(length, 16));
  AddressKey key;
  std::memcpy(&key.high, bytes, 8);
  std::memcpy(&key.low, bytes + 8, 8);
  return key;
}

void DestinationNamer::remember(const uint8_t* address, size_t length, const std::string& domain,
                                int64_t expiresMicros, int64_t nowMicros) {
  if (cache_.size() >= maxCacheEntries_) {
    std::erase_if(cache_,
                  [nowMicros](const auto& item) { return item.second.expiresMicros <= nowMicros; });
    // Still full of live answers: drop an arbitrary eighth rather than grow.
    for (auto it = cache_.begin();
         cache_.size() >= maxCacheEntries_ * 7 / 8 + 1 && it != cache_.end();) {
      it = cache_.erase(it);
    }
  }
  Entry& entry = cache_[keyOf(address, length)];
  entry.domain = domain;
  entry.expiresMicros = expiresMicros;
  ++stats_.dnsAddresses;
}

void DestinationNamer::observeDns(const uint8_t* msg, size_t length, int64_t timeMicros) {
  if (length < 12 || (msg[2] & 0x80) == 0) return;  // not a response
  ++stats_.dnsResponses;
  const unsigned questions = be16(msg + 4);
  const unsigned answers = be16(msg + 6);
  size_t offset = 12;
  std::string name;
  for (unsigned i = 0; i < questions; ++i) {
    offset = readName(msg, length, offset, name);
    if (offset == 0 || offset + 4 > length) {
      ++stats_.dnsMalformed;
      return;
    }
    offset += 4;
  }
  // CNAME links of this answer, to walk an address record back to the name asked for.
  struct Link {
    std::string alias;
    std::string target;
  };
  Link links[kMaxChainSteps];
  int linkCount = 0;
  std::string data;
  for (unsigned i = 0; i < answers; ++i) {
    offset = readName(msg, length, offset, name);
    if (offset == 0 || offset + 10 > length) {
      ++stats_.dnsMalformed;
      return;
    }
    const uint16_t type = be16(msg + offset);
    const int64_t ttl = be32(msg + offset + 4);
    const size_t dataLength = be16(msg + offset + 8);
    offset += 10;
    if (offset + dataLength > length) {
      ++stats_.dnsMalformed;
      return;
    }
    if (type == kTypeCname && linkCount < kMaxChainSteps) {
      if (readName(msg, length, offset, data) != 0) {
        links[linkCount++] = Link{name, data};
      }
    } else if ((type == kTypeA && dataLength == 4) || (type == kTypeAaaa && dataLength == 16)) {
      std::string asked = name;
      for (int step = 0; step < kMaxChainSteps; ++step) {
        const auto* link = std::find_if(links, links + linkCount,
                                        [&](const Link& l) { return l.target == asked; });
        if (link == links + linkCount) break;
        asked = link->alias;
      }
      const std::string domain = registrableDomain(asked);
      if (!domain.empty()) {
        const int64_t keep = std::clamp(ttl * 1'000'000, kMinTtlMicros, kMaxTtlMicros);
        remember(msg + offset, dataLength, domain, timeMicros + keep, timeMicros);
      }
    }
    offset += dataLength;
  }
}

std::string DestinationNamer::registrableDomain(std::string_view hostName) const {
  char buffer[kMaxName + 1];
  size_t length = 0;
  bool allNumeric = true;
  for (char c : hostName) {
    if (c == '/' || c == '?' || c == ':' || c == '#' || c == ' ' || c == '\t' || c == '\r' ||
        c == '\n') {
      break;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool letter = (c >= 'a' && c <= 'z') || c == '-' || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !digit && c != '.') return {};
    if (letter) allNumeric = false;
    if (c == '.' && (length == 0 || buffer[length - 1] == '.')) return {};  // empty label
    if (length == kMaxName) return {};
    buffer[length++] = c;
  }
  while (length > 0 && buffer[length - 1] == '.') --length;  // the root's trailing dot
  if (length == 0 || allNumeric) return {};                  // nothing, or an IPv4 literal
  buffer[length] = '\0';
  const char* domain = psl_registrable_domain(psl_, buffer);
  return domain != nullptr ? std::string(domain) : std::string(buffer, length);
}

std::string DestinationNamer::name(std::string_view hostName,
                                   const std::array<uint8_t, 16>& address, uint8_t ipVersion,
                                   int64_t timeMicros) const {
  std::string domain = registrableDomain(hostName);
  if (!domain.empty()) return domain;
  const auto it = cache_.find(keyOf(address.data(), ipVersion == 4 ? 4 : 16));
  if (it != cache_.end() && it->second.expiresMicros > timeMicros) return it->second.domain;
  return formatAddress(address, ipVersion);
}

}  // namespace tillid::usage
