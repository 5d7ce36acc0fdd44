#include "agent/usage/privacy_filter.h"

#include <catch2/catch.hpp>

#include "agent/core/agent_config.h"
#include "common/time.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::usage;
using tillid::test::TempDir;

namespace {

PrivacyFilter filterFrom(const std::vector<std::string>& overrides) {
  auto config = loadAgentConfig(std::nullopt, overrides);
  REQUIRE(config.isOk());
  auto filter = PrivacyFilter::fromConfig(*config);
  REQUIRE(filter.isOk());
  return std::move(*filter);
}

}  // namespace

TEST_CASE("built-in lists protect domains and their subdomains, not look-alikes",
          "[usage][privacy]") {
  const PrivacyFilter filter = filterFrom({});
  CHECK(filter.domainCount() > 200);
  // Unions, health, religion, politics, sexual orientation, beliefs.
  for (const char* name : {"foa.dk", "3f.dk", "fho.dk", "dlf.org", "sundhed.dk", "folkekirken.dk",
                           "enhedslisten.dk", "lgbt.dk", "humanistisksamfund.dk"}) {
    INFO(name);
    CHECK(filter.isProtected(name));
  }
  CHECK(filter.isProtected("www.foa.dk"));
  CHECK(filter.isProtected("min.sundhed.dk"));
  CHECK(filter.isProtected("a.b.c.hk.dk"));
  CHECK(filter.isProtected("FOA.DK."));  // case and the root's trailing dot do not matter
  CHECK_FALSE(filter.isProtected("notfoa.dk"));
  CHECK_FALSE(filter.isProtected("foa.dk.example.com"));
  CHECK_FALSE(filter.isProtected("foa.de"));
  CHECK_FALSE(filter.isProtected("dk"));
  CHECK_FALSE(filter.isProtected("dr.dk"));
  CHECK_FALSE(filter.isProtected("192.0.2.7"));
  CHECK_FALSE(filter.isProtected(""));
}

TEST_CASE("every art. 9 category has a built-in list", "[usage][privacy]") {
  std::vector<std::string> names;
  for (const auto& list : builtInProtectedLists()) {
    INFO(list.name);
    names.push_back(list.name);
    auto one = PrivacyFilter::fromLists({list}, std::nullopt);
    REQUIRE(one.isOk());
    CHECK(one->domainCount() > 0);
  }
  CHECK(names == std::vector<std::string>{"unions", "health", "religion", "politics",
                                          "sexual_orientation", "beliefs"});
}

TEST_CASE("the SNIs a Danish employee sends to art. 9 destinations come out protected",
          "[usage][privacy]") {
  const PrivacyFilter filter = filterFrom({});
  // Medicine, pharmacy, region, crisis line, LGBT+, parish portal, a-kasser and unions.
  for (const char* sni :
       {"medicin.dk", "min.medicin.dk", "pro.medicin.dk", "apoteket.dk", "regionh.dk",
        "livslinien.dk", "lgbt.dk", "sogn.dk", "ase.dk", "ca.dk", "aka.dk", "minakasse.dk",
        "detfagligehus.dk", "prosa.dk", "tl.dk", "journalistforbundet.dk", "gl.org",
        "uddannelsesforbundet.dk", "humanistisksamfund.dk"}) {
    FlowInfo info;
    info.destination = sni;
    info.service = "TLS";
    filter.apply(info);
    INFO(sni);
    CHECK(info.destination == "protected");
    CHECK(info.service == "protected");
  }
  // Public broadcasting, the municipalities' association and the citizens' portal.
  for (const char* sni : {"dr.dk", "www.dr.dk", "kl.dk", "borger.dk", "www.borger.dk"}) {
    FlowInfo info;
    info.destination = sni;
    filter.apply(info);
    INFO(sni);
    CHECK(info.destination == sni);
  }
}

TEST_CASE("a protected flow keeps its volume but loses its name, service and category",
          "[usage][privacy]") {
  const PrivacyFilter filter = filterFrom({});
  FlowInfo info;
  info.destination = "sundhed.dk";
  info.service = "TLS";
  info.category = "Web";
  info.application = "firefox";
  info.user = "anna";
  filter.apply(info);
  CHECK(info.destination == "protected");
  CHECK(info.service == "protected");
  CHECK(info.category == "protected");
  CHECK(info.application == "firefox");
  CHECK(info.user == "anna");

  // A service classified after the destination was masked is masked again.
  info.service = "Facebook";
  filter.apply(info);
  CHECK(info.service == "protected");

  FlowInfo ordinary;
  ordinary.destination = "dr.dk";
  ordinary.service = "TLS";
  filter.apply(ordinary);
  CHECK(ordinary.destination == "dr.dk");
  CHECK(ordinary.service == "TLS");
}

TEST_CASE("extra lists from the configuration are added to the built-in ones", "[usage][privacy]") {
  TempDir dir;
  test::writeFile(dir.file("local.txt"),
                  "# the municipality's own additions\n"
                  "\n"
                  "Example-Union.dk   # a local union\n"
                  "health.example.org\n");
  const PrivacyFilter filter =
      filterFrom({"privacy.extra_protected_lists=[\"" + dir.file("local.txt") + "\"]"});
  CHECK(filter.isProtected("example-union.dk"));
  CHECK(filter.isProtected("www.example-union.dk"));
  CHECK(filter.isProtected("health.example.org"));
  CHECK_FALSE(filter.isProtected("example.org"));
  CHECK(filter.isProtected("foa.dk"));
}

TEST_CASE("a malformed or missing list is an error naming the file and line", "[usage][privacy]") {
  TempDir dir;
  test::writeFile(dir.file("bad.txt"), "foa.dk\nhttps://example.dk/path\n");
  auto config = loadAgentConfig(
      std::nullopt, {"privacy.extra_protected_lists=[\"" + dir.file("bad.txt") + "\"]"});
  REQUIRE(config.isOk());
  auto filter = PrivacyFilter::fromConfig(*config);
  REQUIRE_FALSE(filter.isOk());
  CHECK_THAT(filter.status().message(), Catch::Contains("bad.txt:2"));

  auto missing = loadAgentConfig(
      std::nullopt, {"privacy.extra_protected_lists=[\"" + dir.file("absent.txt") + "\"]"});
  REQUIRE(missing.isOk());
  auto noFilter = PrivacyFilter::fromConfig(*missing);
  REQUIRE_FALSE(noFilter.isOk());
  CHECK_THAT(noFilter.status().message(), Catch::Contains("absent.txt"));
}

TEST_CASE("nothing is recorded before monitoring.effective_from", "[usage][privacy]") {
  const int64_t start = toMicros(*parseTimestamp("2026-12-01"));
  const PrivacyFilter announced = filterFrom({"monitoring.effective_from=2026-12-01"});
  CHECK(announced.effectiveFromMicros() == start);
  CHECK_FALSE(announced.recording(start - 1));
  CHECK(announced.recording(start));
  CHECK(announced.recording(start + 3600'000'000LL));

  // The packaged default names no date: then nothing is recorded at all.
  const PrivacyFilter unannounced = filterFrom({});
  CHECK_FALSE(unannounced.effectiveFromMicros().has_value());
  CHECK_FALSE(unannounced.recording(0));
  CHECK_FALSE(unannounced.recording(start + 3600'000'000LL));

  CHECK_FALSE(loadAgentConfig(std::nullopt, {"monitoring.effective_from=soon"}).isOk());
}
