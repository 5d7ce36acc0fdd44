// The collector's API against a real tillid-collector process over mutual TLS: enrollment
// tokens, idempotent batches, and refusals of bad requests that change nothing and leave
// the collector serving.

#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <catch2/catch.hpp>
#include <mutex>

#include "common/canonical_json.h"
#include "protocol/gzip.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

// A one-record usage batch for `deviceId` as the agent's outbox would make it.
std::string usageBatch(const std::string& deviceId, const std::string& batchId,
                       const std::string& recordId) {
  return R"({"batch_id":")" + batchId + R"(","device_id":")" + deviceId +
         R"(","records":[{"id":")" + recordId +
         R"(","kind":"usage","payload":{"active_seconds":10,"application":"firefox",)"
         R"("bytes_in":100,"bytes_out":20,"category":"Web","connections":1,)"
         R"("destination":"example.org","hour":"2026-11-20T10:00:00Z","service":"TLS",)"
         R"("user":"bob"},"time":"2026-11-20T11:00:00.000000Z"}]})";
}

report::HttpRequest reportRequest(const std::string& key, std::string body,
                                  std::string contentType = "application/json") {
  return {"POST",
          "/v1/reports",
          std::move(contentType),
          {{"Content-Encoding", "gzip"}, {"Idempotency-Key", key}},
          std::move(body)};
}

}  // namespace

TEST_CASE("the same batch sent twice is stored once", "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string device = enrollAgent(dir.file("agent"), collector, pki);

  report::CurlTransport transport(deviceTls(dir.file("agent"), collector.url()));
  const std::string body = *report::gzipCompress(usageBatch(device, "b-1", "u-1"));
  auto first = transport.send(reportRequest("b-1", body));
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->body.find("\"stored\"") != std::string::npos);
  auto again = transport.send(reportRequest("b-1", body));
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->body.find("\"duplicate\"") != std::string::npos);
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 1);
  CHECK(collector.count("SELECT COUNT(*) FROM batches") == 1);

  // The same key with other content is a conflict, and changes nothing.
  auto other =
      transport.send(reportRequest("b-1", *report::gzipCompress(usageBatch(device, "b-1", "u-2"))));
  REQUIRE(other);
  CHECK(other->status == 409);
  // A record already delivered in another batch is not stored twice either.
  auto overlap =
      transport.send(reportRequest("b-2", *report::gzipCompress(usageBatch(device, "b-2", "u-1"))));
  REQUIRE(overlap);
  CHECK(overlap->status == 200);
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 1);
}

TEST_CASE("bad requests get a 4xx JSON error, change nothing, and the collector keeps serving",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"), 0, {"limits.max_body_bytes=65536"});
  const std::string device = enrollAgent(dir.file("agent"), collector, pki);
  report::CurlTransport transport(deviceTls(dir.file("agent"), collector.url()));
  const std::string good = usageBatch(device, "b-1", "u-1");
  const std::string gzipped = *report::gzipCompress(good);

  struct Case {
    std::string name;
    report::HttpRequest request;
    long status;
    std::string code;
  };
  std::string random(200000, '\0');
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<char>((i * 7919) % 251);
  const std::vector<Case> cases = {
      {"not gzip", reportRequest("b-1", good), 400, "bad_gzip"},
      {"truncated gzip", reportRequest("b-1", gzipped.substr(0, gzipped.size() - 9)), 400,
       "bad_gzip"},
      {"gzip of a broken document",
       reportRequest("b-1", *report::gzipCompress(good.substr(0, good.size() / 2))), 400,
       "malformed"},
      {"gzip of JSON that is not a batch",
       reportRequest("b-1", *report::gzipCompress(R"({"records": 5})")), 400, "malformed"},
      {"wrong content type", reportRequest("b-1", gzipped, "text/plain"), 415,
       "unsupported_media_type"},
      {"oversized body", reportRequest("b-1", random), 413, "payload_too_large"},
      {"another device's batch",
       reportRequest("b-1", *report::gzipCompress(usageBatch("d-someoneelse", "b-1", "u-1"))), 403,
       "device_mismatch"},
      {"key differs from batch_id", reportRequest("b-9", gzipped), 400, "bad_idempotency_key"},
      {"no idempotency key",
       {"POST", "/v1/reports", "application/json", {{"Content-Encoding", "gzip"}}, gzipped},
       400,
       "bad_idempotency_key"},
      {"admin endpoint with a device certificate",
       {"GET", "/v1/admin/devices", "", {}, ""},
       403,
       "not_administrator"},
      {"unknown endpoint", {"GET", "/v1/nothing", "", {}, ""}, 404, "not_found"},
      {"enrollment with a bad token",
       {"POST", "/v1/enroll", "application/json", {}, R"({"token":"nope","csr":"x"})"},
       400,
       "bad_csr"},
      {"enrollment body not JSON",
       {"POST", "/v1/enroll", "application/json", {}, "{{{"},
       400,
       "malformed"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto response = transport.send(c.request);
    REQUIRE(response);
    CHECK(response->status == c.status);
    CHECK(errorCode(*response) == c.code);
    auto health = transport.send({"GET", "/v1/health", "", {}, ""});
    REQUIRE(health);
    CHECK(health->status == 200);
  }
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 0);
  CHECK(collector.count("SELECT COUNT(*) FROM batches") == 0);

  // Without a client certificate: 401, and the collector still takes the good batch after.
  report::TlsClientOptions anonymous = deviceTls(dir.file("agent"), collector.url());
  anonymous.certificateFile.clear();
  report::CurlTransport noCert(anonymous);
  auto refused = noCert.send(reportRequest("b-1", gzipped));
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(errorCode(*refused) == "client_certificate_required");

  auto accepted = transport.send(reportRequest("b-1", gzipped));
  REQUIRE(accepted);
  CHECK(accepted->status == 200);
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 1);
  CHECK(collector.running());
}

TEST_CASE("enrollment tokens are limited by count and time", "[collector][network]") {
  TempDir dir;
  const DevPki once = makeDevPki(dir.file("pki"), {"--token-uses", "1"});
  CollectorProcess collector(once, dir.file("collector"));
  enrollAgent(dir.file("first"), collector, once);
  const RunResult second =
      agentCommand(dir.file("second"), {"enroll", "--server", collector.url(), "--token",
                                        once.token(), "--ca", once.file("ca.pem")});
  CHECK(second.exitCode == 1);
  CHECK(second.err.find("no uses left") != std::string::npos);
  CHECK(!Poco::File(dir.file("second") + "/agent.crt").exists());
  CHECK(collector.count("SELECT COUNT(*) FROM devices") == 1);
  collector.stop();

  // A token past its expiry time is refused.
  const DevPki expired = makeDevPki(dir.file("pki2"), {"--token-days", "0"});
  CollectorProcess later(expired, dir.file("collector2"));
  const RunResult late =
      agentCommand(dir.file("third"), {"enroll", "--server", later.url(), "--token",
                                       expired.token(), "--ca", expired.file("ca.pem")});
  CHECK(late.exitCode == 1);
  CHECK(late.err.find("expired") != std::string::npos);
}

namespace {

// openssl s_client with its stdin closed, so it exits after the handshake.
RunResult sClient(int port, const std::string& protocol, const std::string& ca) {
  return runProgram(
      "/bin/sh",
      {"-c", "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + protocol +
                 " -cipher DEFAULT@SECLEVEL=0 -CAfile " + ca + " </dev/null"},
      std::chrono::seconds(20));
}

}  // namespace

TEST_CASE("the collector refuses TLS 1.1 clients", "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const RunResult old = sClient(collector.port(), "-tls1_1", pki.file("ca.pem"));
  CHECK(old.exitCode != 0);
  CHECK(old.err.find("alert protocol version") != std::string::npos);
  CHECK(old.out.find("Cipher is (NONE)") != std::string::npos);
  const RunResult modern = sClient(collector.port(), "-tls1_2", pki.file("ca.pem"));
  CHECK(modern.exitCode == 0);
  CHECK(modern.out.find("TLSv1.2") != std::string::npos);
  CHECK(collector.running());
}

namespace {

// Sends `bytes` as they are over mutual TLS (the enrolled device's certificate) and
// returns everything the collector answers up to its close.
std::string rawExchange(int port, const std::string& agentDir, const std::string& bytes) {
  static std::once_flag sslInit;
  std::call_once(sslInit, [] { Poco::Net::initializeSSL(); });
  const report::EnrollmentFiles files{agentDir};
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, files.key(), files.certificate(),
                             files.ca(), Poco::Net::Context::VERIFY_RELAXED);
  context->enableExtendedCertificateVerification(false);
  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), context);
  socket.setReceiveTimeout(Poco::Timespan(20, 0));
  socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string answer;
  char buffer[4096];
  try {
    while (true) {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) break;
      answer.append(buffer, static_cast<size_t>(n));
    }
  } catch (const Poco::Exception&) {
    // A reset after the answer ends it as well.
  }
  return answer;
}

std::string statusLine(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n"));
}

}  // namespace

TEST_CASE("the collector's status lines carry the right reason and version",
          "[collector][network]") {
  EnrolledDevice fixture({"limits.max_body_bytes=65536"});
  CollectorProcess& collector = fixture.collector;
  const std::string& agent = fixture.agentDir;

  const std::string badUri =
      rawExchange(collector.port(), agent, "GET /v1/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(statusLine(badUri) == "HTTP/1.1 400 Bad Request");
  CHECK(badUri.find("\"malformed\"") != std::string::npos);

  const std::string oddVersion =
      rawExchange(collector.port(), agent,
                  "GET /v1/health HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  CHECK(statusLine(oddVersion) == "HTTP/1.1 200 OK");
  const std::string old =
      rawExchange(collector.port(), agent, "GET /v1/health HTTP/1.0\r\nHost: localhost\r\n\r\n");
  CHECK(statusLine(old) == "HTTP/1.0 200 OK");

  // Declared larger than the limit: answered 413 with a JSON body before the body is read.
  const std::string tooLarge = rawExchange(
      collector.port(), agent,
      "POST /v1/reports HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: 10000000000\r\n\r\n");
  CHECK(statusLine(tooLarge) == "HTTP/1.1 413 Request Entity Too Large");
  CHECK(tooLarge.find("\"payload_too_large\"") != std::string::npos);
  CHECK(collector.running());
}

TEST_CASE("a refused body still gets its answer when the client sends it at once",
          "[collector][network]") {
  EnrolledDevice fixture({"limits.max_body_bytes=65536"});
  CollectorProcess& collector = fixture.collector;
  const std::string& agent = fixture.agentDir;
  // Headers and body in one write: the collector answers before reading the body and must
  // not close on it unread (which resets the connection before the answer is read).
  const auto withBody = [](const std::string& contentLength, size_t bodyBytes) {
    return "POST /v1/reports HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           contentLength + "\r\n\r\n" + std::string(bodyBytes, 'x');
  };

  const std::string declared = rawExchange(collector.port(), agent, withBody("300000", 300000));
  CHECK(statusLine(declared) == "HTTP/1.1 413 Request Entity Too Large");
  CHECK(declared.find("\"payload_too_large\"") != std::string::npos);

  // Too large for Poco to read as a number: still 413, with the body on its way.
  const std::string unreadable =
      rawExchange(collector.port(), agent, withBody("99999999999999999999999", 200000));
  CHECK(statusLine(unreadable) == "HTTP/1.1 413 Request Entity Too Large");
  CHECK(unreadable.find("\"payload_too_large\"") != std::string::npos);

  // Not a byte count: 400, whether Poco refuses to read it ("12abc") or reads it ("-5",
  // "1,000").
  for (const std::string length : {"12abc", "-5", "1,000"}) {
    INFO(length);
    const std::string malformed = rawExchange(collector.port(), agent, withBody(length, 1000));
    CHECK(statusLine(malformed) == "HTTP/1.1 400 Bad Request");
    CHECK(malformed.find("\"malformed\"") != std::string::npos);
  }

  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 0);
  report::CurlTransport transport(deviceTls(agent, collector.url()));
  auto health = transport.send({"GET", "/v1/health", "", {}, ""});
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(collector.running());
}

TEST_CASE("a second collector on a port in use exits with a clear message",
          "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess first(pki, dir.file("first"));
  const RunResult second =
      runProgram(TILLID_COLLECTOR_BIN,
                 {"--config", pki.file("collector.json"), "--state-dir", dir.file("second"),
                  "--set", "listen.port=" + std::to_string(first.port()), "run"},
                 std::chrono::seconds(60));
  INFO(second.out << second.err);
  CHECK(second.exitCode != 0);
  CHECK(second.err.find("cannot listen on") != std::string::npos);
  CHECK(second.err.find("in use") != std::string::npos);

  const std::string agent = dir.file("agent");
  enrollAgent(agent, first, pki);
  report::CurlTransport transport(deviceTls(agent, first.url()));
  auto health = transport.send({"GET", "/v1/health", "", {}, ""});
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(first.running());
}
