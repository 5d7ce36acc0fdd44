// tillid-collector-bench: load on a running collector (scripts/bench.d/collector).
//   ingest: N simulated agents enroll, then upload B gzip batches of R usage records each,
//           all at once on libcurl's multi interface over mutual TLS.
//   heavy-day: the agent's own path (outbox -> batch -> gzip -> HTTPS -> acknowledge) for
//           one day of a heavy user's usage summaries: bytes on the wire and CPU time.
// Prints one JSON object with the figures.

#include <curl/curl.h>

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/canonical_json.h"
#include "agent/core/cli_app.h"
#include "agent/report/certificate_request.h"
#include "agent/report/curl_transport.h"
#include "agent/report/enrollment.h"
#include "agent/report/gzip.h"
#include "agent/report/outbox.h"
#include "agent/store/store.h"

namespace tillid::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kProgram = "tillid-collector-bench";

struct Device {
  std::string id;
  std::string keyPem;
  std::string certificatePem;
};

Result<Device> enrollDevice(const report::TlsClientOptions& tls, const std::string& token, int n) {
  auto keys = report::makeKeyAndRequest("bench");
  if (!keys) return keys.status();
  report::CurlTransport transport(tls);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("token", token);
  body->set("csr", keys->requestPem);
  body->set("hostname", "bench-" + std::to_string(n));
  auto response = transport.send({"POST", "/v1/enroll", "application/json", {}, canonicalJson(body)});
  if (!response) return response.status();
  auto answer = parseJsonObject(response->body);
  if (response->status != 201 || !answer) {
    return Status::error(ErrorCode::kPermission, "enroll: HTTP " + std::to_string(response->status) +
                                                     " " + response->body);
  }
  return Device{(*answer)->getValue<std::string>("device_id"), keys->privateKeyPem,
                (*answer)->getValue<std::string>("certificate")};
}

// A usage batch as the agent builds it: `rows` records of one hour.
std::string usageBatch(const std::string& deviceId, const std::string& batchId, int rows) {
  Poco::JSON::Array::Ptr records = new Poco::JSON::Array;
  for (int r = 0; r < rows; ++r) {
    Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
    p->set("hour", "2026-11-20T10:00:00Z");
    p->set("user", "user" + std::to_string(r % 3));
    p->set("application", r % 2 ? "firefox" : "teams");
    p->set("destination", "site" + std::to_string(r) + ".example.dk");
    p->set("service", "TLS");
    p->set("category", "Web");
    p->set("connections", 3 + r % 7);
    p->set("bytes_in", 100000 + r * 37);
    p->set("bytes_out", 9000 + r * 11);
    p->set("active_seconds", 60 + r % 600);
    Poco::JSON::Object::Ptr record = new Poco::JSON::Object;
    record->set("id", batchId + "-" + std::to_string(r));
    record->set("kind", "usage");
    record->set("time", "2026-11-20T11:15:00.000000Z");
    record->set("payload", p);
    records->add(record);
  }
  Poco::JSON::Object::Ptr batch = new Poco::JSON::Object;
  batch->set("device_id", deviceId);
  batch->set("batch_id", batchId);
  batch->set("records", records);
  return canonicalJson(batch);
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

struct Upload {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  Clock::time_point started;
  int sent = 0;
  size_t agent = 0;
};

int ingest(const ParsedArgs& args, const report::TlsClientOptions& base) {
  const int agents = std::stoi(args.value("agents").value_or("200"));
  const int batches = std::stoi(args.value("batches").value_or("10"));
  const int rows = std::stoi(args.value("rows").value_or("50"));
  const std::string token = args.value("token").value_or("");

  std::vector<Device> devices;
  const auto enrollStart = Clock::now();
  for (int i = 0; i < agents; ++i) {
    auto device = enrollDevice(base, token, i);
    if (!device) return fail(kProgram, device.status().message());
    devices.push_back(std::move(*device));
  }
  const double enrollSeconds = std::chrono::duration<double>(Clock::now() - enrollStart).count();

  CURLM* multi = curl_multi_init();
  std::vector<Upload> uploads(static_cast<size_t>(agents));
  std::vector<double> latencies;
  int errors = 0;
  int64_t wireBytes = 0;
  auto startNext = [&](Upload& u) {
    const Device& d = devices[u.agent];
    const std::string key = "b-" + d.id + "-" + std::to_string(u.sent);
    u.body = report::gzipCompress(usageBatch(d.id, key, rows));
    wireBytes += static_cast<int64_t>(u.body.size());
    if (u.easy == nullptr) u.easy = curl_easy_init();
    curl_easy_reset(u.easy);
    report::applyTlsOptions(u.easy, base);
    curl_blob cert{const_cast<char*>(d.certificatePem.data()), d.certificatePem.size(),
                   CURL_BLOB_NOCOPY};
    curl_blob keyBlob{const_cast<char*>(d.keyPem.data()), d.keyPem.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(u.easy, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(u.easy, CURLOPT_SSLKEY_BLOB, &keyBlob);
    const std::string url = base.serverUrl + "/v1/reports";
    curl_easy_setopt(u.easy, CURLOPT_URL, url.c_str());
    if (u.headers) curl_slist_free_all(u.headers);
    u.headers = curl_slist_append(nullptr, "Content-Type: application/json");
    u.headers = curl_slist_append(u.headers, "Content-Encoding: gzip");
    u.headers = curl_slist_append(u.headers, ("Idempotency-Key: " + key).c_str());
    curl_easy_setopt(u.easy, CURLOPT_HTTPHEADER, u.headers);
    curl_easy_setopt(u.easy, CURLOPT_POSTFIELDS, u.body.data());
    curl_easy_setopt(u.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(u.body.size()));
    curl_easy_setopt(u.easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(u.easy, CURLOPT_PRIVATE, &u);
    u.started = Clock::now();
    curl_multi_add_handle(multi, u.easy);
  };
  const auto start = Clock::now();
  for (size_t i = 0; i < uploads.size(); ++i) {
    uploads[i].agent = i;
    startNext(uploads[i]);
  }
  int running = 0;
  do {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Upload* u = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &u);
      long status = 0;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (msg->data.result != CURLE_OK || status != 200) ++errors;
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - u->started).count());
      curl_multi_remove_handle(multi, msg->easy_handle);
      if (++u->sent < batches) startNext(*u);
    }
    if (running > 0 || queued > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    running = 0;
    for (const auto& u : uploads) running += u.sent < batches ? 1 : 0;
  } while (running > 0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& u : uploads) {
    curl_easy_cleanup(u.easy);
    curl_slist_free_all(u.headers);
  }
  curl_multi_cleanup(multi);

  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };
  const double total = static_cast<double>(agents) * batches;
  Poco::JSON::Object out;
  out.set("agents", agents);
  out.set("batches", total);
  out.set("rows_per_batch", rows);
  out.set("seconds", seconds);
  out.set("batches_per_s", total / seconds);
  out.set("rows_per_s", total * rows / seconds);
  out.set("latency_p50_ms", percentile(0.50));
  out.set("latency_p99_ms", percentile(0.99));
  out.set("errors", errors);
  out.set("gzip_bytes_per_batch", static_cast<double>(wireBytes) / total);
  out.set("enroll_s", enrollSeconds);
  out.stringify(std::cout);
  std::cout << "\n";
  return errors == 0 ? kExitOk : kExitFailure;
}

// One day of a heavy user: `destinations` distinct destinations in each of 24 hours.
int heavyDay(const ParsedArgs& args, report::TlsClientOptions tls) {
  const int destinations = std::stoi(args.value("destinations").value_or("300"));
  const std::string dir = args.value("work-dir").value_or("/tmp");
  auto device = enrollDevice(tls, args.value("token").value_or(""), -1);
  if (!device) return fail(kProgram, device.status().message());
  auto opened = store::openStore(dir + "/heavy-day.db", {report::reportSchema()});
  if (!opened) return fail(kProgram, opened.status().message());
  store::Database& db = opened->db;
  {
    store::Transaction tx(db);
    for (int h = 0; h < 24; ++h) {
      for (int d = 0; d < destinations; ++d) {
        Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
        p->set("hour", "2026-11-20T" + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00:00Z");
        p->set("user", "heavy.user");
        p->set("application", d % 3 ? "firefox" : "teams");
        p->set("destination", "site" + std::to_string(d) + ".example.dk");
        p->set("service", d % 5 ? "TLS" : "QUIC");
        p->set("category", "Web");
        p->set("connections", 1 + d % 40);
        p->set("bytes_in", 250000 + d * 1013);
        p->set("bytes_out", 20000 + d * 97);
        p->set("active_seconds", 30 + d % 900);
        if (!report::Outbox::enqueue(db, report::RecordKind::kUsage, 30, canonicalJson(p))) {
          return fail(kProgram, "enqueue failed");
        }
      }
    }
    if (!tx.commit()) return fail(kProgram, "commit failed");
  }
  // The device's key and certificate as files, as the agent keeps them.
  if (!report::writePrivateFile(dir + "/heavy.key", device->keyPem) ||
      !report::writePrivateFile(dir + "/heavy.crt", device->certificatePem)) {
    return fail(kProgram, "cannot write the device files");
  }
  tls.certificateFile = dir + "/heavy.crt";
  tls.privateKeyFile = dir + "/heavy.key";
  report::CurlTransport transport(tls);
  int64_t jsonBytes = 0;
  int64_t sentBytes = 0;
  int batches = 0;
  const std::clock_t cpuStart = std::clock();
  const auto start = Clock::now();
  while (true) {
    auto batch = report::Outbox::takeBatch(db, device->id, 2000, 1 << 20);
    if (!batch) return fail(kProgram, batch.status().message());
    if (batch->batchId.empty()) break;
    jsonBytes += static_cast<int64_t>(batch->json.size());
    auto response = transport.send({"POST", "/v1/reports", "application/json",
                                    {{"Content-Encoding", "gzip"}, {"Idempotency-Key", batch->batchId}},
                                    report::gzipCompress(batch->json)});
    if (!response || response->status != 200) return fail(kProgram, "upload refused");
    sentBytes += static_cast<int64_t>(response->bytesSent);
    if (!report::Outbox::acknowledge(db, batch->batchId)) return fail(kProgram, "ack failed");
    ++batches;
  }
  const double cpuMs = 1000.0 * static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
  Poco::JSON::Object out;
  out.set("rows", 24 * destinations);
  out.set("batches", batches);
  out.set("json_bytes", jsonBytes);
  out.set("gzip_body_bytes", sentBytes);
  out.set("compression_ratio", static_cast<double>(jsonBytes) / static_cast<double>(sentBytes));
  out.set("agent_cpu_ms", cpuMs);
  out.set("wall_ms", std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  out.stringify(std::cout);
  std::cout << "\n";
  return kExitOk;
}

report::TlsClientOptions tlsFrom(const ParsedArgs& args) {
  report::TlsClientOptions tls;
  tls.serverUrl = args.value("server").value_or("");
  tls.caFile = args.value("ca").value_or("");
  tls.timeout = std::chrono::seconds(120);
  return tls;
}

}  // namespace
}  // namespace tillid::bench

int main(int argc, char** argv) {
  using namespace tillid;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const CliProgram program{
      bench::kProgram,
      "Load on a running collector; prints JSON figures (see scripts/bench.d/collector).",
      {{"server", "URL", "the collector"},
       {"ca", "FILE", "its CA"},
       {"token", "TOKEN", "an enrollment token with enough uses"}},
      {{"ingest",
        "ingest",
        "N concurrent agents upload B batches of R records",
        {{"agents", "N", "simulated agents (200)"},
         {"batches", "B", "batches per agent (10)"},
         {"rows", "R", "records per batch (50)"}},
        [](const ParsedArgs& a) { return bench::ingest(a, bench::tlsFrom(a)); }},
       {"heavy-day",
        "heavy-day",
        "upload one day of a heavy user through the agent's outbox",
        {{"destinations", "N", "destinations per hour (300)"},
         {"work-dir", "DIR", "where the outbox database goes"}},
        [](const ParsedArgs& a) { return bench::heavyDay(a, bench::tlsFrom(a)); }}}};
  return runCli(program, argc, argv);
}
