// The agent's reporting end to end: real tillid-agent and tillid-collector processes over
// mutual TLS on loopback. Records arrive exactly once across collector outages, and every
// refused connection (a man in the middle, an expired client certificate, a wrong host
// name, TLS 1.1) leaves the agent's outbox intact.

#include <Poco/JSON/Array.h>
#include <Poco/Net/ServerSocket.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "agent/report/outbox.h"
#include "collector/certificate_authority.h"
#include "common/canonical_json.h"
#include "common/time.h"
#include "protocol/certificate_request.h"
#include "protocol/gzip.h"
#include "protocol/openssl_util.h"
#include "store/database.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

std::vector<std::string> hours(int first, int count) {
  std::vector<std::string> out;
  for (int h = first; h < first + count; ++h) {
    char label[32];
    std::snprintf(label, sizeof label, "2026-11-%02dT%02d:00:00Z", 10 + h / 24, h % 24);
    out.emplace_back(label);
  }
  return out;
}

int64_t outboxRows(const std::string& stateDir) {
  auto s = agentStatus(stateDir);
  return s->has("outbox_rows") ? s->getValue<int64_t>("outbox_rows") : -1;
}

// Points the enrolled agent at another server URL (as a DNS hijack would).
void setServer(const std::string& stateDir, const std::string& url) {
  const std::string path = stateDir + "/enrollment.json";
  auto info = parseJsonObject(readFile(path));
  REQUIRE(info);
  (*info)->set("server", url);
  writeFile(path, canonicalJson(*info));
}

int freePort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
}

// Replaces the enrolled device's certificate by one for the same key and device from the
// same CA, issued two days ago and valid one more hour: far past the point of renewal.
void ageDeviceCertificate(const std::string& stateDir, const DevPki& pki) {
  auto pem = [](const std::string& file, auto read) {
    const std::string text = readFile(file);
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    auto* object = read(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(object != nullptr);
    return object;
  };
  const report::EnrollmentFiles files{stateDir};
  X509* current = pem(files.certificate(), PEM_read_bio_X509);
  X509* ca = pem(pki.file("ca.pem"), PEM_read_bio_X509);
  EVP_PKEY* caKey = pem(pki.file("ca.key"), PEM_read_bio_PrivateKey);
  X509* aged = X509_dup(current);
  REQUIRE(aged != nullptr);
  ASN1_INTEGER_set(X509_get_serialNumber(aged), 4242);
  X509_gmtime_adj(X509_getm_notBefore(aged), -2 * 86400);
  X509_gmtime_adj(X509_getm_notAfter(aged), 3600);
  X509_set_issuer_name(aged, X509_get_subject_name(ca));
  REQUIRE(X509_sign(aged, caKey, EVP_sha256()) > 0);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(out, aged);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  writeFile(files.certificate(), std::string(data, static_cast<size_t>(size)));
  BIO_free(out);
  X509_free(aged);
  EVP_PKEY_free(caKey);
  X509_free(ca);
  X509_free(current);
}

std::string certificateSerial(const std::string& stateDir) {
  const std::string text = readFile(report::EnrollmentFiles{stateDir}.certificate());
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  REQUIRE(cert != nullptr);
  const std::string serial = report::serialHex(cert);
  X509_free(cert);
  return serial;
}

std::unique_ptr<ChildProcess> startAgentReporting(const std::string& stateDir) {
  return startAgent(stateDir, fastReporting());
}

// The start of the hour `hoursAgo` hours before now.
TimePoint hourStart(int hoursAgo) {
  const auto time = WallClock::now() - std::chrono::hours(hoursAgo);
  return time - std::chrono::duration_cast<WallClock::duration>(time.time_since_epoch()) %
                    std::chrono::hours(1);
}

// `tillid-agent replay` of a shared capture, its first frame placed at `start`. A replay
// of an enrolled agent uploads too; a close delay of a day keeps the usage it records for
// the agent's `run` to upload, so that the tests know which process sends what.
void replayAt(const std::string& stateDir, const std::string& capture, TimePoint start) {
  const RunResult replay = agentCommand(
      stateDir, {"--set", "report.usage_close_delay_seconds=86400", "replay", "--start",
                 formatTimestamp(start).substr(0, 19) + "Z", pcapPath(capture)});
  INFO(replay.out << replay.err);
  REQUIRE(replay.exitCode == 0);
}

// Usage rows and their totals, of one hour or (a default TimePoint) of all.
struct UsageTotals {
  int64_t rows = 0;
  int64_t connections = 0;
  int64_t bytesIn = 0;
  int64_t bytesOut = 0;
  int64_t activeSeconds = 0;
  bool operator==(const UsageTotals&) const = default;
};

std::ostream& operator<<(std::ostream& out, const UsageTotals& t) {
  return out << t.rows << " rows, " << t.connections << " connections, " << t.bytesIn
             << " bytes in, " << t.bytesOut << " out, " << t.activeSeconds << " active s";
}

// `count` runs one SELECT of a single number on the database that holds `table`.
template <typename Count>
UsageTotals usageTotals(const std::string& table, TimePoint hour, Count count) {
  const std::string where =
      hour == TimePoint{} ? "" : " WHERE hour = '" + formatTimestamp(hour).substr(0, 19) + "Z'";
  const auto sum = [&](const std::string& column) {
    return count("SELECT COALESCE(SUM(" + column + "), 0) FROM " + table + where);
  };
  return {count("SELECT COUNT(*) FROM " + table + where), sum("connections"), sum("bytes_in"),
          sum("bytes_out"), sum("active_seconds")};
}

// True once the agent has taken a batch from its outbox that the collector did not
// acknowledge.
bool batchInFlight(const std::string& stateDir) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadOnly);
  if (!db) return false;
  auto taken = db->queryText("SELECT COUNT(*) FROM outbox WHERE batch_id IS NOT NULL");
  return taken && taken->value_or("0") != "0";
}

int64_t usageRecords(const report::PendingBatch& batch) {
  auto parsed = parseJsonObject(batch.json);
  REQUIRE(parsed);
  const auto records = (*parsed)->getArray("records");
  int64_t usage = 0;
  for (size_t i = 0; i < records->size(); ++i) {
    if (records->getObject(i)->getValue<std::string>("kind") == "usage") ++usage;
  }
  return usage;
}

// The batch the stopped agent would send next: the one in flight, the same bytes.
report::PendingBatch pendingBatch(const std::string& stateDir, const std::string& device) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  auto batch = report::Outbox::takeBatch(*db, device, 2000, 1 << 20);
  REQUIRE(batch);
  return *batch;
}

}  // namespace

TEST_CASE("an enrolled agent uploads its usage, tillid-admin shows it", "[report][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  CHECK((std::filesystem::status(agentDir + "/agent.key").permissions() &
         std::filesystem::perms::mask) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto agent = startAgentReporting(agentDir);
  addUsageHours(agentDir, hours(0, 3));
  REQUIRE(waitUntil([&] { return collector.count("SELECT COUNT(*) FROM usage") == 3; }));
  REQUIRE(waitUntil(
      [&] { return collector.count("SELECT COUNT(*) FROM records WHERE kind = 'anchor'") >= 1; }));
  REQUIRE(waitUntil([&] { return outboxRows(agentDir) == 0; }));
  auto status = agentStatus(agentDir);
  CHECK(status->getValue<bool>("enrolled"));
  CHECK(status->getValue<std::string>("device_id") == device);
  CHECK(status->has("last_upload"));

  const std::vector<std::string> admin = {"--server", collector.url(),
                                          "--cert",   pki.file("admin-investigator.pem"),
                                          "--key",    pki.file("admin-investigator.key"),
                                          "--ca",     pki.file("ca.pem")};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), admin.begin(), admin.end());
    return runProgram(TILLID_ADMIN_BIN, args);
  };
  const RunResult devices = with({"devices", "--json"});
  INFO(devices.err);
  REQUIRE(devices.exitCode == 0);
  auto list = parseJsonObject(devices.out);
  REQUIRE(list);
  REQUIRE((*list)->getArray("devices")->size() == 1);
  CHECK((*list)->getArray("devices")->getObject(0)->getValue<std::string>("id") == device);
  // Usage is personal: without a purpose nothing; in an investigation with its case and
  // signed order the rows with destinations, each read in the access log.
  const RunResult bare = with({"usage", device});
  CHECK(bare.exitCode == 2);
  CHECK(bare.err.find("personal data") != std::string::npos);
  const RunResult usage =
      with({"usage", device, "--case", "SAG-7", "--order-key", pki.file("order-investigator.key"),
            "--param", "since=2026-11-01T00:00:00Z"});
  INFO(usage.err);
  REQUIRE(usage.exitCode == 0);
  CHECK(usage.out.find("HOUR") != std::string::npos);
  CHECK(usage.out.find("example.org") != std::string::npos);
  CHECK(usage.out.find("2026-11-10T02:00") != std::string::npos);
  CHECK(collector.countTasks("SELECT COUNT(*) FROM access_log WHERE action = 'read.answered' "
                             "AND purpose = 'investigation' AND case_ref = 'SAG-7' AND "
                             "device_id = '" +
                             device + "'") == 1);
  // A device certificate is not an administrator's.
  const report::EnrollmentFiles files{agentDir};
  const RunResult refused = runProgram(
      TILLID_ADMIN_BIN, {"devices", "--server", collector.url(), "--cert", files.certificate(),
                         "--key", files.key(), "--ca", pki.file("ca.pem")});
  CHECK(refused.exitCode == 1);
  CHECK(refused.err.find("403") != std::string::npos);
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}

TEST_CASE("records made while the collector is down arrive exactly once after it returns",
          "[report][network][slow]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  auto collector = std::make_unique<CollectorProcess>(pki, dir.file("collector"));
  const int port = collector->port();
  const std::string agentDir = dir.file("agent");
  enrollAgent(agentDir, *collector, pki);
  auto agent = startAgentReporting(agentDir);
  addUsageHours(agentDir, hours(0, 2));
  REQUIRE(waitUntil([&] { return collector->count("SELECT COUNT(*) FROM usage") == 2; }));

  REQUIRE(collector->stop() == 0);
  for (int h = 2; h < 8; ++h) {
    addUsageHours(agentDir, hours(h, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  REQUIRE(waitUntil([&] { return outboxRows(agentDir) >= 6; }));
  auto status = agentStatus(agentDir);
  CHECK(status->has("last_upload_error"));
  CHECK(status->has("backlog_since"));

  collector = std::make_unique<CollectorProcess>(pki, dir.file("collector"), port);
  REQUIRE(waitUntil([&] { return collector->count("SELECT COUNT(*) FROM usage") == 8; }));
  REQUIRE(waitUntil([&] { return outboxRows(agentDir) == 0; }));
  CHECK(collector->count("SELECT COUNT(DISTINCT hour) FROM usage") == 8);
  CHECK(collector->count("SELECT COUNT(*) FROM usage") == 8);
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}

TEST_CASE("captures replayed in any hour order, and into an uploaded hour, arrive once",
          "[report][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  // Hours closed long ago (report.usage_close_delay_seconds) and well inside retention.
  const TimePoint later = hourStart(3);
  const TimePoint earlier = hourStart(6);
  const auto agentTotals = [&](TimePoint hour) {
    return usageTotals("usage_hourly", hour, [&](const std::string& sql) {
      auto db = openAgentDb(agentDir);
      return std::stoll(queryText(db, sql));
    });
  };
  const auto collectorTotals = [&](TimePoint hour) {
    return usageTotals("usage", hour, [&](const std::string& sql) { return collector.count(sql); });
  };
  const auto allArrived = [&] {
    return outboxRows(agentDir) == 0 && collectorTotals({}) == agentTotals({});
  };
  const auto stopAgent = [](std::unique_ptr<ChildProcess>& agent) {
    agent->signal(SIGTERM);
    REQUIRE(agent->wait() == 0);
  };

  // A later hour first, uploaded by the running agent.
  replayAt(agentDir, "teams.pcap", later + std::chrono::minutes(10));
  const UsageTotals first = agentTotals(later);
  REQUIRE(first.rows > 0);
  REQUIRE(first == agentTotals({}));
  auto agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil(allArrived));
  CHECK(collectorTotals(later) == first);
  stopAgent(agent);

  // Then an earlier hour (a capture of the past, a clock stepped back), and the same
  // traffic again into the later hour the collector already has: the same keys, so the
  // device's rows grow. The agent's first attempt to upload them gets no answer.
  replayAt(agentDir, "netflix.pcap", earlier + std::chrono::minutes(10));
  replayAt(agentDir, "teams.pcap", later + std::chrono::minutes(40));
  const UsageTotals second = agentTotals(later);
  CHECK(second.rows == first.rows);
  CHECK(second.bytesIn == 2 * first.bytesIn);
  CHECK(second.bytesOut == 2 * first.bytesOut);
  const UsageTotals added = agentTotals(earlier);
  REQUIRE(added.rows > 0);
  setServer(agentDir, "https://localhost:" + std::to_string(freePort()));
  agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil([&] { return batchInFlight(agentDir); }, std::chrono::seconds(60)));
  stopAgent(agent);

  // The collector stored that batch all the same (only its answer was lost): the agent's
  // resend of it under the same idempotency key adds nothing, the rest follows.
  const report::PendingBatch lost = pendingBatch(agentDir, device);
  // It carries every usage delta of both replays (the whole outbox fits in one batch).
  CHECK(usageRecords(lost) == added.rows + second.rows);
  report::CurlTransport transport(deviceTls(agentDir, collector.url()));
  const report::HttpRequest resend{
      "POST",
      "/v1/reports",
      "application/json",
      {{"Content-Encoding", "gzip"}, {"Idempotency-Key", lost.batchId}},
      *report::gzipCompress(lost.json)};
  const auto sendLost = [&] {
    auto response = transport.send(resend);
    REQUIRE(response);
    CHECK(response->status == 200);
    return response->body;
  };
  CHECK_THAT(sendLost(), Catch::Contains("\"stored\""));
  setServer(agentDir, collector.url());
  agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil(allArrived));
  CHECK(collectorTotals(later) == second);
  CHECK(collectorTotals(earlier) == agentTotals(earlier));
  CHECK(collector.count("SELECT COUNT(*) FROM batches WHERE idempotency_key = '" + lost.batchId +
                        "'") == 1);
  stopAgent(agent);

  // Uploading again adds nothing: a new run's first round (its anchor arrived) sends no
  // usage, nor does the same batch sent once more.
  const std::string anchors = "SELECT COUNT(*) FROM records WHERE kind = 'anchor'";
  const int64_t anchorsBefore = collector.count(anchors);
  agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil(
      [&] { return collector.count(anchors) > anchorsBefore && outboxRows(agentDir) == 0; }));
  CHECK_THAT(sendLost(), Catch::Contains("\"duplicate\""));
  CHECK(collectorTotals({}) == agentTotals({}));
  CHECK(collectorTotals(later) == second);
  stopAgent(agent);
}

TEST_CASE("a man in the middle gets nothing and the agent loses nothing",
          "[report][network][slow]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  const DevPki other = makeDevPki(dir.file("other-pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  CollectorProcess impostor(other, dir.file("impostor"));
  const std::string agentDir = dir.file("agent");
  enrollAgent(agentDir, collector, pki);

  setServer(agentDir, impostor.url());
  auto agent = startAgentReporting(agentDir);
  addUsageHours(agentDir, hours(0, 4));
  REQUIRE(waitUntil([&] { return outboxRows(agentDir) >= 4; }));
  // The rows wait in the outbox before the first attempt to send them fails.
  REQUIRE(waitUntil([&] { return agentStatus(agentDir)->has("last_upload_error"); }));
  auto status = agentStatus(agentDir);
  CHECK(status->getValue<std::string>("last_upload_error").find("TLS") != std::string::npos);
  CHECK(impostor.count("SELECT COUNT(*) FROM batches") == 0);
  agent->signal(SIGTERM);
  REQUIRE(agent->wait() == 0);

  setServer(agentDir, collector.url());
  agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil([&] { return collector.count("SELECT COUNT(*) FROM usage") == 4; }));
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}

TEST_CASE("the agent's transport refuses an expired certificate, a wrong host and TLS 1.1",
          "[report][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  const report::HttpRequest health{"GET", "/v1/health", "", {}, ""};

  SECTION("an expired client certificate") {
    auto ca = collector::CertificateAuthority::load(pki.file("ca.pem"), pki.file("ca.key"));
    REQUIRE(ca);
    auto request = report::makeRequest(readFile(agentDir + "/agent.key"), "x");
    REQUIRE(request);
    auto expired = ca->sign(*request, device, -1);
    REQUIRE(expired);
    writeFile(dir.file("expired.pem"), expired->pem);
    report::TlsClientOptions tls = deviceTls(agentDir, collector.url());
    tls.certificateFile = dir.file("expired.pem");
    report::CurlTransport transport(tls);
    auto response = transport.send(health);
    // The handshake fails (or, with TLS 1.3's late client authentication, the first read).
    CHECK(!response);
    CHECK(collector.running());
    report::CurlTransport valid(deviceTls(agentDir, collector.url()));
    auto ok = valid.send(health);
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }

  SECTION("a server certificate for another host name") {
    const std::string script =
        "cd " + pki.dir +
        " && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -keyout wrong.key -out wrong.csr -subj /CN=wrong.example 2>/dev/null && "
        "printf 'subjectAltName=DNS:wrong.example\\nextendedKeyUsage=serverAuth\\n' > wrong.ext "
        "&& openssl x509 -req -in wrong.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile wrong.ext -out wrong.pem 2>/dev/null";
    REQUIRE(runProgram("/bin/sh", {"-c", script}).exitCode == 0);
    CollectorProcess wrongName(
        pki, dir.file("wrong"), 0,
        {"tls.certificate=" + pki.file("wrong.pem"), "tls.private_key=" + pki.file("wrong.key")});
    report::CurlTransport transport(deviceTls(agentDir, wrongName.url()));
    auto response = transport.send(health);
    REQUIRE(!response);
    CHECK(response.status().code() == ErrorCode::kPermission);
  }

  SECTION("a server that speaks only TLS 1.1") {
    const int port = freePort();
    ChildProcess old("/usr/bin/openssl",
                     {"s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-tls1_1",
                      "-cipher", "DEFAULT@SECLEVEL=0", "-cert", pki.file("server.pem"), "-key",
                      pki.file("server.key"), "-www"});
    REQUIRE(waitUntil([&] {
      try {
        Poco::Net::StreamSocket probe(Poco::Net::SocketAddress("127.0.0.1", port));
        return true;
      } catch (const Poco::Exception&) {
        return false;
      }
    }));
    report::CurlTransport transport(
        deviceTls(agentDir, "https://localhost:" + std::to_string(port)));
    auto response = transport.send(health);
    REQUIRE(!response);
    CHECK(response.status().code() == ErrorCode::kPermission);
    old.signal(SIGTERM);
    old.wait();
  }
}

TEST_CASE("a device over its report rate gets 429 with Retry-After and waits it out",
          "[report][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  // One batch every 2 s, none saved up.
  CollectorProcess collector(
      pki, dir.file("collector"), 0,
      {"limits.device_reports_per_minute=30", "limits.device_report_burst=1"});
  const std::string agentDir = dir.file("agent");
  enrollAgent(agentDir, collector, pki);
  // One record per batch, retries after 100-400 ms unless told otherwise.
  std::vector<std::string> sets = fastReporting();
  for (const char* s : {"report.batch_max_records=1", "report.anchor_interval_seconds=3600"}) {
    sets.push_back("--set");
    sets.push_back(s);
  }
  auto agent = startAgent(agentDir, sets);
  addUsageHours(agentDir, hours(0, 4));
  REQUIRE(waitUntil([&] { return collector.count("SELECT COUNT(*) FROM usage") == 4; },
                    std::chrono::seconds(40)));
  REQUIRE(waitUntil([&] { return outboxRows(agentDir) == 0; }));
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);

  // Refused, and told when to come back: the agent did not retry before that. Ignoring
  // Retry-After it would have retried every 100-400 ms, dozens of times in these seconds.
  const std::string log = collector.err();
  size_t refusals = 0;
  for (auto at = log.find("429, retry after 2 s"); at != std::string::npos;
       at = log.find("429, retry after", at + 1)) {
    ++refusals;
  }
  INFO(log);
  CHECK(refusals >= 1);
  CHECK(refusals <= 5);  // at most one per batch after the first (4 usage + 1 anchor)
  CHECK(collector.count("SELECT COUNT(*) FROM usage") == 4);  // each exactly once
}

TEST_CASE("an agent renews its certificate when little of its lifetime is left",
          "[report][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  ageDeviceCertificate(agentDir, pki);
  REQUIRE(certificateSerial(agentDir) == "1092");  // 4242

  // The aged certificate still opens the connection; the agent renews with it, then
  // reports with the new one.
  auto agent = startAgentReporting(agentDir);
  REQUIRE(waitUntil([&] { return certificateSerial(agentDir) != "1092"; }));
  const std::string renewed = certificateSerial(agentDir);
  addUsageHours(agentDir, hours(0, 2));
  REQUIRE(waitUntil([&] { return collector.count("SELECT COUNT(*) FROM usage") == 2; }));
  auto status = agentStatus(agentDir);
  const std::string expires = status->getValue<std::string>("certificate_expires");
  CHECK(expires > formatTimestamp(WallClock::now() + std::chrono::hours(24 * 80)));
  // The collector knows the renewed certificate as the device's current one.
  const RunResult devices = runProgram(
      TILLID_ADMIN_BIN, {"devices", "--json", "--server", collector.url(), "--cert",
                         pki.file("admin-investigator.pem"), "--key",
                         pki.file("admin-investigator.key"), "--ca", pki.file("ca.pem")});
  REQUIRE(devices.exitCode == 0);
  auto list = parseJsonObject(devices.out);
  REQUIRE(list);
  const auto entry = (*list)->getArray("devices")->getObject(0);
  CHECK(entry->getValue<std::string>("id") == device);
  CHECK(entry->getValue<std::string>("certificate_serial") == renewed);
  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
