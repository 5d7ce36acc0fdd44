// Taking devices and certificates out of service, and text a device chooses, against a
// real tillid-collector over mutual TLS: retired devices and revoked certificates
// (the collector's list and the CA's CRL) are refused on every route; hostile hostnames
// are escaped where shown and cut between characters; text that is not UTF-8 is refused;
// an expired device certificate renews within the grace period and not after it.

#include <Poco/FileStream.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include "collector/certificate_authority.h"
#include "common/canonical_json.h"
#include "platform/private_files.h"
#include "protocol/certificate_request.h"
#include "protocol/gzip.h"
#include "protocol/openssl_util.h"
#include "tests/integration/collector/fleet.h"
#include "tests/support/test_crl.h"

using namespace tillid;
using namespace tillid::test;

namespace {

std::string serialOf(const std::string& certificateFile) {
  auto cert = report::parseCertificatePem(readFile(certificateFile));
  REQUIRE(cert);
  return report::serialHex(cert->get());
}

// HTTPS to the collector without a client certificate.
report::TlsClientOptions anonymousTls(const CollectorProcess& collector, const DevPki& pki) {
  report::TlsClientOptions tls;
  tls.serverUrl = collector.url();
  tls.caFile = pki.file("ca.pem");
  return tls;
}

report::HttpRequest postJson(const std::string& path, const std::string& body) {
  return {"POST", path, "application/json", {}, body};
}

// Enrolls a device with `hostname` (a JSON string literal, escapes and all) over plain
// HTTPS, as a device with a token could; returns the collector's answer.
report::HttpResponse enrollWithHostname(const CollectorProcess& collector, const DevPki& pki,
                                        const std::string& hostnameLiteral) {
  auto keys = report::makeKeyAndRequest("tillid-agent");
  REQUIRE(keys);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("token", pki.token());
  body->set("csr", keys->requestPem);
  std::string json = canonicalJson(body);
  json.insert(json.size() - 1, ",\"hostname\":" + hostnameLiteral);
  report::CurlTransport transport(anonymousTls(collector, pki));
  auto answer = transport.send(postJson("/v1/enroll", json));
  REQUIRE(answer);
  return *answer;
}

// A CRL of the dev CA listing `serials`, signed with the dev CA's key.
std::string crlPem(const DevPki& pki, const std::vector<std::string>& serials) {
  auto ca = report::parseCertificatePem(readFile(pki.file("ca.pem")));
  auto key = report::parsePrivateKeyPem(readFile(pki.file("ca.key")));
  REQUIRE(ca);
  REQUIRE(key);
  return signedCrl(ca->get(), key->get(), serials);
}

}  // namespace

TEST_CASE("a retired device leaves the list and its certificate is refused on every route",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string device = enrollAgent(dir.file("agent"), collector, pki);
  const std::string kept = enrollAgent(dir.file("agent2"), collector, pki);
  const AdminCli offboarding{pki, collector, "offboarding"};
  const AdminCli viewer{pki, collector, "viewer"};

  report::CurlTransport deviceTransport(deviceTls(dir.file("agent"), collector.url()));
  auto before = deviceTransport.send({"GET", "/v1/health", "", {}, ""});
  REQUIRE(before);
  CHECK(before->status == 200);

  // Retiring needs the offboarding role.
  CHECK(viewer.run({"retire", device}).exitCode != 0);
  const RunResult retired = offboarding.run({"retire", device, "--reason", "stolen laptop"});
  INFO(retired.err);
  REQUIRE(retired.exitCode == 0);
  CHECK(retired.out.find("revoked_serial") != std::string::npos);

  const RunResult list = viewer.run({"devices", "--json"});
  REQUIRE(list.exitCode == 0);
  CHECK(list.out.find(device) == std::string::npos);
  CHECK(list.out.find(kept) != std::string::npos);
  // Its data stays, subject to retention; the retirement is in the access log.
  CHECK(collector.count("SELECT COUNT(*) FROM devices WHERE id = '" + device + "'") == 1);
  const RunResult log = offboarding.run({"access-log", "--device", device, "--json"});
  REQUIRE(log.exitCode == 0);
  CHECK(log.out.find("device.retired") != std::string::npos);
  CHECK(log.out.find("stolen laptop") != std::string::npos);

  for (const auto& request :
       {report::HttpRequest{"GET", "/v1/health", "", {}, ""}, postJson("/v1/renew", "{}"),
        report::HttpRequest{"POST",
                            "/v1/reports",
                            "application/json",
                            {{"Content-Encoding", "gzip"}, {"Idempotency-Key", "b-1"}},
                            *report::gzipCompress("{}")},
        report::HttpRequest{"GET", "/v1/tasks", "", {}, ""}}) {
    INFO(request.method << " " << request.path);
    report::CurlTransport transport(deviceTls(dir.file("agent"), collector.url()));
    auto answer = transport.send(request);
    REQUIRE(answer);
    CHECK(answer->status == 403);
    CHECK(errorCode(*answer) == "certificate_revoked");
  }
  // The other device is untouched.
  report::CurlTransport keptTransport(deviceTls(dir.file("agent2"), collector.url()));
  auto other = keptTransport.send({"GET", "/v1/health", "", {}, ""});
  REQUIRE(other);
  CHECK(other->status == 200);
  // Retiring again changes nothing; an unknown device is a 404.
  CHECK(offboarding.run({"retire", device}).exitCode == 0);
  CHECK(collector.count("SELECT COUNT(*) FROM revoked_certificates") == 1);
  CHECK(offboarding.run({"retire", "d-nosuchdevice"}).exitCode != 0);
}

TEST_CASE("a revoked administrator certificate is refused, by the collector's list or the CRL",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  const std::string crlFile = dir.file("ca.crl");
  {
    Poco::FileOutputStream out(crlFile);
    out << crlPem(pki, {serialOf(pki.file("admin-investigator.pem"))});
  }
  CollectorProcess collector(pki, dir.file("collector"), 0, {"tls.crl=" + crlFile});
  const AdminCli offboarding{pki, collector, "offboarding"};
  const AdminCli viewer{pki, collector, "viewer"};
  const AdminCli investigator{pki, collector, "investigator"};

  // On the CA's CRL: refused from the start.
  const RunResult listed = investigator.run({"tasks"});
  CHECK(listed.exitCode != 0);
  CHECK(listed.err.find("403") != std::string::npos);
  CHECK(listed.err.find("revocation list") != std::string::npos);

  // Revoked with tillid-admin: refused from then on, on every route.
  REQUIRE(viewer.run({"tasks"}).exitCode == 0);
  const RunResult revoked = offboarding.run(
      {"revoke", serialOf(pki.file("admin-viewer.pem")), "--reason", "left the company"});
  INFO(revoked.err);
  REQUIRE(revoked.exitCode == 0);
  for (const auto& command : {std::vector<std::string>{"tasks"}, {"access-log"}, {"devices"}}) {
    const RunResult refused = viewer.run(command);
    CHECK(refused.exitCode != 0);
    CHECK(refused.err.find("403") != std::string::npos);
  }
  const RunResult log = offboarding.run({"access-log", "--json"});
  REQUIRE(log.exitCode == 0);
  CHECK(log.out.find("certificate.revoked") != std::string::npos);
  const RunResult revocations = offboarding.run({"revocations"});
  CHECK(revocations.exitCode == 0);
  CHECK(revocations.out.find("left the company") != std::string::npos);

  // A new CRL is read without a restart: the investigator is back, the offboarder is out.
  {
    Poco::FileOutputStream out(crlFile);
    out << crlPem(pki, {serialOf(pki.file("admin-offboarding.pem"))});
  }
  CHECK(investigator.run({"tasks"}).exitCode == 0);
  CHECK(offboarding.run({"revocations"}).exitCode != 0);
}

TEST_CASE("hostile hostnames are escaped where shown and cut between characters",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const AdminCli admin{pki, collector, "viewer"};

  const std::string longHost = std::string(254, 'h') + "\xC3\xA5";  // 256 bytes
  for (const std::string& literal :
       {std::string(R"("evil\u001b[2J\u001b[Hroot")"),
        std::string(R"("laptop\r\nd-00000000000000000000  forged-host")"),
        "\"" + longHost + "\""}) {
    INFO(literal);
    const auto answer = enrollWithHostname(collector, pki, literal);
    CHECK(answer.status == 201);
  }
  // Not UTF-8: refused before anything is stored; a lone surrogate escape does not
  // parse as JSON.
  const auto raw = enrollWithHostname(collector, pki, "\"bad\xFFhost\"");
  CHECK(raw.status == 400);
  CHECK(errorCode(raw) == "invalid_utf8");
  CHECK(enrollWithHostname(collector, pki, R"("\ud800")").status == 400);
  CHECK(collector.count("SELECT COUNT(*) FROM devices") == 3);

  const RunResult table = admin.run({"devices"});
  INFO(table.err);
  REQUIRE(table.exitCode == 0);
  CHECK(table.out.find('\x1b') == std::string::npos);
  CHECK(table.out.find('\r') == std::string::npos);
  CHECK(table.out.find("evil\\x1B[2J\\x1B[Hroot") != std::string::npos);
  CHECK(table.out.find("laptop\\x0D\\x0Ad-0000") != std::string::npos);
  CHECK(std::count(table.out.begin(), table.out.end(), '\n') == 4);  // header and 3 devices

  const RunResult json = admin.run({"devices", "--json"});
  REQUIRE(json.exitCode == 0);
  auto answer = jsonOutput(json);
  bool cut = false;
  const auto devices = answer->getArray("devices");
  for (unsigned i = 0; i < devices->size(); ++i) {
    cut = cut || devices->getObject(i)->getValue<std::string>("hostname") == std::string(254, 'h');
  }
  CHECK(cut);
  // A row stored before hostnames were checked (cut inside a character) is listed
  // escaped, and retiring it takes it off the list.
  const std::string broken = devices->getObject(0)->getValue<std::string>("id");
  collector.exec("UPDATE devices SET hostname = CAST(X'68C3' AS TEXT) WHERE id = '" + broken + "'");
  const RunResult escaped = admin.run({"devices"});
  REQUIRE(escaped.exitCode == 0);
  CHECK(escaped.out.find("h\\xC3") != std::string::npos);
  REQUIRE(AdminCli{pki, collector, "offboarding"}.run({"retire", broken}).exitCode == 0);
  const RunResult after = admin.run({"devices", "--json"});
  REQUIRE(after.exitCode == 0);
  CHECK(after.out.find(broken) == std::string::npos);
  // The collector's log line for the enrollment is escaped too.
  CHECK(collector.err().find('\x1b') == std::string::npos);
  CHECK(collector.err().find("evil\\x1B[2J") != std::string::npos);
}

TEST_CASE("a report batch that is not UTF-8 is refused with 400", "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string device = enrollAgent(dir.file("agent"), collector, pki);
  report::CurlTransport transport(deviceTls(dir.file("agent"), collector.url()));
  const std::string batch =
      R"({"batch_id":"b-1","device_id":")" + device +
      R"(","records":[{"id":"u-1","kind":"usage","payload":{"active_seconds":10,)"
      R"("application":"fire\xC3fox","bytes_in":1,"bytes_out":2,"category":"Web",)"
      R"("connections":1,"destination":"example.org","hour":"2026-11-20T10:00:00Z",)"
      R"("service":"TLS","user":"bob"},"time":"2026-11-20T11:00:00.000000Z"}]})";
  std::string raw = batch;
  raw.replace(raw.find("\\xC3"), 4, "\xC3");
  auto answer = transport.send({"POST",
                                "/v1/reports",
                                "application/json",
                                {{"Content-Encoding", "gzip"}, {"Idempotency-Key", "b-1"}},
                                *report::gzipCompress(raw)});
  REQUIRE(answer);
  CHECK(answer->status == 400);
  CHECK(errorCode(*answer) == "invalid_utf8");
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 0);
  CHECK(collector.count("SELECT COUNT(*) FROM batches") == 0);
}

TEST_CASE("an expired device certificate renews within the grace period, not after it",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"), 0, {"enrollment.renewal_grace_days=60"});
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  const report::EnrollmentFiles files{agentDir};
  auto ca = collector::CertificateAuthority::load(pki.file("ca.pem"), pki.file("ca.key"));
  REQUIRE(ca);
  auto csr = report::makeRequest(readFile(files.key()), "tillid-agent");
  REQUIRE(csr);

  // The device was offline while its certificate expired `daysAgo` days ago: a
  // certificate issued back then, which the collector has as the device's latest.
  const auto expiredCertificate = [&](int daysAgo) {
    auto expired =
        ca->sign(*csr, device, 90, WallClock::now() - std::chrono::hours(24) * (90 + daysAgo));
    REQUIRE(expired);
    REQUIRE(platform::writePrivateFile(files.certificate(), expired->pem));
    collector.exec("UPDATE devices SET certificate_serial = '" + expired->serial +
                   "' WHERE id = '" + device + "'");
    return expired->pem;
  };
  const auto renew = [&] {
    auto enrollment = report::loadEnrollment(files);
    REQUIRE(enrollment);
    REQUIRE(enrollment->has_value());
    report::CurlTransport transport(deviceTls(agentDir, collector.url()));
    report::CurlTransport withoutCertificate(
        report::withoutClientCertificate(deviceTls(agentDir, collector.url())));
    return report::renewIfDue(transport, withoutCertificate, files, **enrollment, 0.33);
  };

  SECTION("expired 10 days ago: renews, and the old certificate is of no further use") {
    const std::string expiredPem = expiredCertificate(10);
    {
      report::CurlTransport transport(deviceTls(agentDir, collector.url()));
      auto refused = transport.send({"GET", "/v1/health", "", {}, ""});
      CHECK_FALSE(refused);  // the handshake refuses the expired certificate
    }
    auto renewed = renew();
    INFO(renewed.status().message());
    REQUIRE(renewed);
    CHECK(*renewed);
    auto fresh = report::parseCertificatePem(readFile(files.certificate()));
    REQUIRE(fresh);
    CHECK(report::secondsUntilExpiry(fresh->get()) > 89 * 86400);
    report::CurlTransport transport(deviceTls(agentDir, collector.url()));
    auto answer = transport.send({"GET", "/v1/tasks", "", {}, ""});
    REQUIRE(answer);
    CHECK(answer->status == 200);

    report::CurlTransport anonymous(anonymousTls(collector, pki));
    Poco::JSON::Object::Ptr again = new Poco::JSON::Object;
    again->set("certificate", expiredPem);
    again->set("csr", *csr);
    auto superseded = anonymous.send(postJson("/v1/renew", canonicalJson(again)));
    REQUIRE(superseded);
    CHECK(superseded->status == 403);
    CHECK(errorCode(*superseded) == "superseded_certificate");
  }

  SECTION("a request signed by another key does not renew it") {
    const std::string expiredPem = expiredCertificate(10);
    auto other = report::makeKeyAndRequest("tillid-agent");
    REQUIRE(other);
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("certificate", expiredPem);
    body->set("csr", other->requestPem);
    report::CurlTransport anonymous(anonymousTls(collector, pki));
    auto answer = anonymous.send(postJson("/v1/renew", canonicalJson(body)));
    REQUIRE(answer);
    CHECK(answer->status == 403);
    CHECK(errorCode(*answer) == "not_key_holder");
  }

  SECTION("expired 100 days ago: beyond the grace period, refused") {
    expiredCertificate(100);
    auto renewed = renew();
    REQUIRE_FALSE(renewed);
    CHECK(renewed.status().message().find("renewal_grace_days") != std::string::npos);
    CHECK(collector.count("SELECT COUNT(*) FROM devices WHERE certificate_expires > '2026'") >= 0);
  }

  SECTION("a retired device's expired certificate does not renew") {
    expiredCertificate(10);
    REQUIRE(AdminCli{pki, collector, "offboarding"}.run({"retire", device}).exitCode == 0);
    auto renewed = renew();
    REQUIRE_FALSE(renewed);
    CHECK(renewed.status().message().find("HTTP 403") != std::string::npos);
  }
}
