#include "agent/usage/destination_namer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tillid::usage;

namespace {

using Bytes = std::vector<uint8_t>;

void putName(Bytes& m, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    m.push_back(static_cast<uint8_t>(dot - start));
    m.insert(m.end(), name.begin() + static_cast<long>(start),
             name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  m.push_back(0);
}

void put16(Bytes& m, uint16_t v) {
  m.push_back(static_cast<uint8_t>(v >> 8));
  m.push_back(static_cast<uint8_t>(v));
}

// A response to "asked" whose answer is a CNAME to "alias", then alias's A record.
Bytes cnameResponse(const std::string& asked, const std::string& alias,
                    std::array<uint8_t, 4> address, uint32_t ttl) {
  Bytes m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0};
  putName(m, asked);
  put16(m, 1);
  put16(m, 1);
  m.insert(m.end(), {0xC0, 12});  // compressed: the question's name
  put16(m, 5);
  put16(m, 1);
  m.insert(m.end(), {0, 0, 0, 60});
  Bytes target;
  putName(target, alias);
  put16(m, static_cast<uint16_t>(target.size()));
  const size_t aliasOffset = m.size();
  m.insert(m.end(), target.begin(), target.end());
  m.insert(m.end(), {0xC0, static_cast<uint8_t>(aliasOffset)});
  put16(m, 1);
  put16(m, 1);
  m.insert(m.end(), {static_cast<uint8_t>(ttl >> 24), static_cast<uint8_t>(ttl >> 16),
                     static_cast<uint8_t>(ttl >> 8), static_cast<uint8_t>(ttl)});
  put16(m, 4);
  m.insert(m.end(), address.begin(), address.end());
  return m;
}

std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {a, b, c, d};
}

}  // namespace

TEST_CASE("Names are reduced to the registrable domain, paths and ports never survive",
          "[usage][namer]") {
  auto namer = DestinationNamer::create(100);
  REQUIRE(namer);
  auto& n = **namer;
  CHECK(n.registrableDomain("rr3---sn-x.googlevideo.com") == "googlevideo.com");
  CHECK(n.registrableDomain("WWW.BBC.CO.UK.") == "bbc.co.uk");
  CHECK(n.registrableDomain("www.borger.dk:443") == "borger.dk");
  CHECK(n.registrableDomain("example.com/search?q=secret") == "example.com");
  CHECK(n.registrableDomain("10.1.2.3") == "");
  CHECK(n.registrableDomain("[2001:db8::1]") == "");
  CHECK(n.registrableDomain("bad!name.com") == "");
  CHECK(n.registrableDomain("") == "");
}

TEST_CASE("A DNS answer names later flows to its address, through CNAME chains, for its TTL",
          "[usage][namer]") {
  auto namer = DestinationNamer::create(100);
  REQUIRE(namer);
  auto& n = **namer;
  const Bytes response =
      cnameResponse("www.netflix.com", "www.dradis.netflix.com.akamaiedge.net", {23, 1, 2, 3}, 600);
  n.observeDns(response.data(), response.size(), 0);
  CHECK(n.stats().dnsResponses == 1);
  CHECK(n.stats().dnsMalformed == 0);
  // The flow's own SNI wins; without one, the DNS question's name; after the TTL, the address.
  CHECK(n.name("api.netflix.com", v4(23, 1, 2, 3), 4, 1'000'000) == "netflix.com");
  CHECK(n.name("", v4(23, 1, 2, 3), 4, 1'000'000) == "netflix.com");
  CHECK(n.name("", v4(23, 1, 2, 4), 4, 1'000'000) == "23.1.2.4");
  CHECK(n.name("", v4(23, 1, 2, 3), 4, 601'000'000) == "23.1.2.3");

  // Every cut of the response is skipped and counted, never read past its end.
  for (size_t length = 13; length < response.size(); ++length) {
    n.observeDns(response.data(), length, 0);
  }
  CHECK(n.stats().dnsMalformed == response.size() - 13);
}

TEST_CASE("The DNS cache stays within its bound", "[usage][namer]") {
  auto namer = DestinationNamer::create(16);
  REQUIRE(namer);
  for (uint8_t i = 0; i < 200; ++i) {
    const Bytes r = cnameResponse("a.example.org", "b.example.net", {10, 0, 1, i}, 600);
    (*namer)->observeDns(r.data(), r.size(), 0);
  }
  CHECK((*namer)->name("", v4(10, 0, 1, 199), 4, 0) == "example.org");
  CHECK((*namer)->stats().dnsAddresses == 200);
}
