#pragma once
// Names a flow's destination from what the wire showed: the host name nDPI read from the
// flow itself (TLS or QUIC SNI, HTTP Host), else the name a DNS answer seen earlier gave
// for the remote address (CNAME chains followed back to the name asked for, kept for the
// answer's TTL), else the remote address itself. Names are reduced to their registrable
// domain with the public suffix list (libpsl), so "rr3---sn-x.googlevideo.com" becomes
// "googlevideo.com". Only host names are ever kept: anything after a '/', '?', ':' or
// whitespace, and anything that is not a valid DNS name, is dropped.
//
// Not thread-safe: one pipeline thread owns it.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct psl_ctx_st;

namespace tillid::usage {

struct DestinationNamerStats {
  uint64_t dnsResponses = 0;  // DNS responses read
  uint64_t dnsMalformed = 0;  // responses that were cut or inconsistent (skipped)
  uint64_t dnsAddresses = 0;  // address -> name entries learned
};

class DestinationNamer final {
 public:
  // `maxCacheEntries` bounds the DNS answer cache.
  static Result<std::unique_ptr<DestinationNamer>> create(size_t maxCacheEntries);
  ~DestinationNamer();
  DestinationNamer(const DestinationNamer&) = delete;
  DestinationNamer& operator=(const DestinationNamer&) = delete;

  // Learns address -> name from a DNS response (the UDP payload). Anything else,
  // including malformed messages, is ignored (and counted when it looked like DNS).
  void observeDns(const uint8_t* message, size_t length, int64_t timeMicros);

  // The destination of a flow to `address`: see the class comment for the order.
  std::string name(std::string_view hostName, const std::array<uint8_t, 16>& address,
                   uint8_t ipVersion, int64_t timeMicros) const;

  // "www.example.co.uk" -> "example.co.uk"; a name that is itself a public suffix or has
  // a single label is returned as is. Empty when `hostName` is not a valid host name.
  std::string registrableDomain(std::string_view hostName) const;

  const DestinationNamerStats& stats() const { return stats_; }

  // Forgets every DNS answer learned (statistics keep counting).
  void forget();

 private:
  struct AddressKey {
    uint64_t high = 0;
    uint64_t low = 0;
    bool operator==(const AddressKey&) const = default;
  };
  struct AddressHash {
    size_t operator()(const AddressKey& k) const { return k.high * 31 + (k.low ^ (k.low >> 29)); }
  };
  struct Entry {
    std::string domain;
    int64_t expiresMicros = 0;
  };
  static AddressKey keyOf(const uint8_t* address, size_t length);

  DestinationNamer(const psl_ctx_st* psl, bool ownsPsl, size_t maxCacheEntries)
      : psl_(psl), ownsPsl_(ownsPsl), maxCacheEntries_(maxCacheEntries) {}
  void remember(const uint8_t* address, size_t length, const std::string& domain,
                int64_t expiresMicros, int64_t nowMicros);

  const psl_ctx_st* psl_;
  bool ownsPsl_;
  size_t maxCacheEntries_;
  std::unordered_map<AddressKey, Entry, AddressHash> cache_;
  DestinationNamerStats stats_;
};

}  // namespace tillid::usage
