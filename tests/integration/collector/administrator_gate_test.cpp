// The administrator rule against a real tillid-collector over mutual TLS: every
// administrator route needs the client certificate's CN in admin.common_names AND a role
// in its OU. A CN removed from the list gets 403 everywhere although the CA signed its
// certificate with a role; a listed CN without a role gets 403 no_role; a listed CN with
// a role gets through.

#include <Poco/FileStream.h>

#include <catch2/catch.hpp>

#include "protocol/curl_transport.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

// Removes `commonName` from admin.common_names in the dev PKI's collector.json.
void unlistAdministrator(const DevPki& pki, const std::string& commonName) {
  std::string config = readFile(pki.file("collector.json"));
  const std::string entry = "\"" + commonName + "\", ";
  const auto at = config.find(entry);
  REQUIRE(at != std::string::npos);
  config.erase(at, entry.size());
  Poco::FileOutputStream(pki.file("collector.json")) << config;
}

}  // namespace

TEST_CASE("a CN removed from admin.common_names is refused on every administrator route",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  unlistAdministrator(pki, "admin-viewer");
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string device = enrollAgent(dir.file("agent"), collector, pki);

  const std::string task = R"({"device": ")" + device + R"(", "type": "usage-summary"})";
  const std::string revoke = R"({"serial": "01", "reason": "test"})";
  const std::string read =
      R"({"device": ")" + device +
      R"(", "what": "usage-detail", "purpose": "investigation", "case": "C-1"})";
  const std::vector<report::HttpRequest> routes = {
      {"GET", "/v1/admin/devices", "", {}, ""},
      {"POST", "/v1/admin/reads", "application/json", {}, read},
      {"GET", "/v1/admin/tasks", "", {}, ""},
      {"POST", "/v1/admin/tasks", "application/json", {}, task},
      {"GET", "/v1/admin/tasks/t-1", "", {}, ""},
      {"POST", "/v1/admin/spot-checks", "application/json", {}, "{}"},
      {"GET", "/v1/admin/access-log", "", {}, ""},
      {"GET", "/v1/admin/records", "", {}, ""},
      {"GET", "/v1/admin/order-keys", "", {}, ""},
      {"GET", "/v1/admin/offboard/" + device, "", {}, ""},
      {"GET", "/v1/admin/certificates/" + device, "", {}, ""},
      {"GET", "/v1/admin/revocations", "", {}, ""},
      {"POST", "/v1/admin/revocations", "application/json", {}, revoke},
      {"POST", "/v1/admin/devices/" + device + "/retire", "application/json", {}, "{}"},
  };

  SECTION("the removed CN gets 403 not_administrator, whatever its role") {
    report::CurlTransport removed(AdminCli{pki, collector, "viewer"}.tls());
    for (const auto& r : routes) {
      INFO(r.method << " " << r.path);
      auto answer = removed.send(r);
      REQUIRE(answer);
      CHECK(answer->status == 403);
      CHECK(errorCode(*answer) == "not_administrator");
    }
    // Nothing was changed on its behalf.
    CHECK(collector.count("SELECT COUNT(*) FROM devices WHERE retired != ''") == 0);
  }

  SECTION("a listed CN without a role gets 403 no_role") {
    report::CurlTransport roleless(AdminCli{pki, collector, ""}.tls());
    for (const auto& r : routes) {
      INFO(r.method << " " << r.path);
      auto answer = roleless.send(r);
      REQUIRE(answer);
      CHECK(answer->status == 403);
      CHECK(errorCode(*answer) == "no_role");
    }
  }

  SECTION("a listed CN with a role gets through") {
    report::CurlTransport listed(AdminCli{pki, collector, "investigator"}.tls());
    for (const std::string& path :
         std::vector<std::string>{"/v1/admin/devices", "/v1/admin/tasks", "/v1/admin/access-log",
                                  "/v1/admin/order-keys", "/v1/admin/revocations"}) {
      INFO(path);
      auto answer = listed.send({"GET", path, "", {}, ""});
      REQUIRE(answer);
      CHECK(answer->status == 200);
    }
  }

  SECTION("device usage is personal data: a role other than investigator is not enough") {
    report::CurlTransport offboarding(AdminCli{pki, collector, "offboarding"}.tls());
    auto list = offboarding.send({"GET", "/v1/admin/devices", "", {}, ""});
    REQUIRE(list);
    CHECK(list->status == 200);
    auto usage = offboarding.send({"POST", "/v1/admin/reads", "application/json", {}, read});
    REQUIRE(usage);
    CHECK(usage->status == 403);
    CHECK_THAT(usage->body, Catch::Contains("needs the investigator role"));
    // The refusal is in the access log, with who asked and why it was refused.
    CHECK(collector.countTasks("SELECT COUNT(*) FROM access_log WHERE action = 'read.refused' AND "
                               "role = 'offboarding' AND purpose = 'investigation'") == 1);
  }
}
