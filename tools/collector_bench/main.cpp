// tillid-collector-bench: load on running collectors (scripts/bench.d/collector, fleet).
//   ingest: N simulated agents enroll, then upload B gzip batches of R usage records each,
//           all at once on libcurl's multi interface over mutual TLS.
//   fleet:  N simulated agents spread over one or more collectors long-poll for tasks,
//           answer them and upload a batch every few seconds, while an administrator
//           queues device checks (status) at the first collector: requests/s, latencies, errors.
//   heavy-day: the agent's own path (outbox -> batch -> gzip -> HTTPS -> acknowledge) for
//           one day of a heavy user's usage summaries: bytes on the wire and CPU time.
// Prints one JSON object with the figures.

#include <Poco/JSON/Object.h>
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent/report/outbox.h"
#include "common/canonical_json.h"
#include "common/cli_app.h"
#include "platform/private_files.h"
#include "protocol/certificate_request.h"
#include "protocol/curl_transport.h"
#include "protocol/enrollment.h"
#include "protocol/gzip.h"
#include "protocol/report_batch.h"
#include "store/store.h"

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
  auto response =
      transport.send({"POST", "/v1/enroll", "application/json", {}, canonicalJson(body)});
  if (!response) return response.status();
  auto answer = parseJsonObject(response->body);
  if (response->status != 201 || !answer) {
    return Status::error(ErrorCode::kPermission,
                         "enroll: HTTP " + std::to_string(response->status) + " " + response->body);
  }
  return Device{(*answer)->getValue<std::string>("device_id"), keys->privateKeyPem,
                (*answer)->getValue<std::string>("certificate")};
}

// A usage batch as the agent builds it: `rows` records of one hour.
std::string usageBatch(const std::string& deviceId, const std::string& batchId, int rows) {
  std::vector<report::OutgoingRecord> records;
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
    records.push_back(
        {batchId + "-" + std::to_string(r), "usage", "2026-11-20T11:15:00.000000Z", p});
  }
  return report::reportBatchJson(deviceId, batchId, records);
}

size_t discard(char*, size_t size, size_t count, void*) {
  return size * count;
}

// The p-quantile (0..1) of `values`, sorted in place; 0 when empty.
double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

// Presents `d`'s key and certificate (kept in memory) on `easy`.
void useDeviceCertificate(CURL* easy, const Device& d) {
  curl_blob cert{const_cast<char*>(d.certificatePem.data()), d.certificatePem.size(),
                 CURL_BLOB_NOCOPY};
  curl_blob key{const_cast<char*>(d.keyPem.data()), d.keyPem.size(), CURL_BLOB_NOCOPY};
  curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
  curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
}

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
    u.body = *report::gzipCompress(usageBatch(d.id, key, rows));
    wireBytes += static_cast<int64_t>(u.body.size());
    if (u.easy == nullptr) u.easy = curl_easy_init();
    curl_easy_reset(u.easy);
    report::applyTlsOptions(u.easy, base);
    useDeviceCertificate(u.easy, d);
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
      latencies.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - u->started).count());
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

  const double total = static_cast<double>(agents) * batches;
  Poco::JSON::Object out;
  out.set("agents", agents);
  out.set("batches", total);
  out.set("rows_per_batch", rows);
  out.set("seconds", seconds);
  out.set("batches_per_s", total / seconds);
  out.set("rows_per_s", total * rows / seconds);
  out.set("latency_p50_ms", percentile(latencies, 0.50));
  out.set("latency_p99_ms", percentile(latencies, 0.99));
  out.set("errors", errors);
  out.set("gzip_bytes_per_batch", static_cast<double>(wireBytes) / total);
  out.set("enroll_s", enrollSeconds);
  out.stringify(std::cout);
  std::cout << "\n";
  return errors == 0 ? kExitOk : kExitFailure;
}

// ---- fleet: long-polling agents, uploads and an administrator's tasks -------------------

size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

enum class Kind { kPoll, kResult, kReport, kQueue };
constexpr const char* kKindNames[] = {"poll", "result", "report", "queue"};

// One request in flight on one easy handle (an agent's poll/result channel, its upload
// channel, or one of the administrator's).
struct Call {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::string response;
  std::string url;
  Kind kind = Kind::kPoll;
  size_t agent = 0;
  bool busy = false;
  Clock::time_point started;
};

struct KindFigures {
  std::vector<double> latenciesMs;
  int errors = 0;
};

class FleetLoad {
 public:
  FleetLoad(std::vector<Device> devices, std::vector<report::TlsClientOptions> servers,
            report::TlsClientOptions admin, int pollWait, double reportInterval, double taskRate,
            int rows)
      : devices_(std::move(devices)),
        servers_(std::move(servers)),
        admin_(std::move(admin)),
        pollWait_(pollWait),
        reportInterval_(reportInterval),
        taskRate_(taskRate),
        rows_(rows),
        polls_(devices_.size()),
        reports_(devices_.size()),
        pendingResults_(devices_.size()),
        nextReport_(devices_.size()),
        nextPoll_(devices_.size()),
        polled_(devices_.size(), false),
        adminCalls_(8),
        multi_(curl_multi_init()) {}

  ~FleetLoad() {
    for (auto* calls : {&polls_, &reports_, &adminCalls_}) {
      for (auto& c : *calls) {
        if (c.busy) curl_multi_remove_handle(multi_, c.easy);
        curl_easy_cleanup(c.easy);
        curl_slist_free_all(c.headers);
      }
    }
    curl_multi_cleanup(multi_);
  }

  // Runs the load for `seconds`, then lets uploads, answers and queueing in flight end
  // (open polls are cut: they would only wait out their timeout).
  void run(double seconds) {
    const auto start = Clock::now();
    // Agents start as a fleet does after a collector restart: within a couple of seconds,
    // not in one instant; their uploads spread over the report interval.
    std::uniform_real_distribution<double> spread(0.0, reportInterval_);
    std::uniform_real_distribution<double> firstPoll(0.0, 2.0);
    for (size_t i = 0; i < devices_.size(); ++i) {
      nextReport_[i] = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(spread(random_)));
      nextPoll_[i] = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(firstPoll(random_)));
    }
    auto nextTask = start;
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    while (true) {
      const auto now = Clock::now();
      const bool stopping = now >= end;
      if (stopping && !stopped_) {
        stopped_ = true;
        for (auto& c : polls_) {
          if (c.busy && c.kind == Kind::kPoll) {
            curl_multi_remove_handle(multi_, c.easy);
            c.busy = false;
          }
        }
        elapsed_ = std::chrono::duration<double>(now - start).count();
      }
      if (!stopping) {
        for (size_t i = 0; i < devices_.size(); ++i) {
          if (!reports_[i].busy && now >= nextReport_[i]) startReport(i);
          if (!polled_[i] && now >= nextPoll_[i]) {
            polled_[i] = true;
            startPoll(i);
          }
        }
        while (taskRate_ > 0 && now >= nextTask) {
          queueTask();
          nextTask += std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(1.0 / taskRate_));
        }
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg == CURLMSG_DONE) finished(msg->easy_handle, msg->data.result);
      }
      if (stopped_ && running == 0) break;
      curl_multi_poll(multi_, nullptr, 0, 10, nullptr);
    }
  }

  void print(std::ostream& out) {
    Poco::JSON::Object o;
    int requests = 0;
    int errors = 0;
    for (size_t k = 0; k < 4; ++k) {
      KindFigures& f = figures_[k];
      Poco::JSON::Object::Ptr kind = new Poco::JSON::Object;
      kind->set("count", static_cast<int64_t>(f.latenciesMs.size()));
      kind->set("errors", f.errors);
      kind->set("p50_ms", percentile(f.latenciesMs, 0.5));
      kind->set("p99_ms", percentile(f.latenciesMs, 0.99));
      o.set(kKindNames[k], kind);
      requests += static_cast<int>(f.latenciesMs.size());
      errors += f.errors;
    }
    o.set("agents", static_cast<int64_t>(devices_.size()));
    o.set("collectors", static_cast<int64_t>(servers_.size()));
    o.set("seconds", elapsed_);
    o.set("requests", requests);
    o.set("requests_per_s", requests / elapsed_);
    o.set("errors", errors);
    o.set("tasks_queued", static_cast<int64_t>(queuedAt_.size()));
    o.set("tasks_delivered", static_cast<int64_t>(deliveryMs_.size()));
    o.set("delivery_p50_ms", percentile(deliveryMs_, 0.5));
    o.set("delivery_p99_ms", percentile(deliveryMs_, 0.99));
    Poco::JSON::Array::Ptr samples = new Poco::JSON::Array;
    for (const auto& e : errorSamples_) samples->add(e);
    o.set("error_samples", samples);
    o.stringify(out);
    out << "\n";
  }

  int errors() const {
    int n = 0;
    for (const auto& f : figures_) n += f.errors;
    return n;
  }

 private:
  const report::TlsClientOptions& serverOf(size_t agent) const {
    return servers_[agent % servers_.size()];
  }

  void start(Call& c, Kind kind, const report::TlsClientOptions& tls, const std::string& path,
             const std::string& body, const Device* device, long timeoutSeconds,
             const std::string& idempotencyKey = "") {
    if (c.easy == nullptr) c.easy = curl_easy_init();
    curl_easy_reset(c.easy);
    report::applyTlsOptions(c.easy, tls);
    if (device != nullptr) useDeviceCertificate(c.easy, *device);
    c.kind = kind;
    c.url = tls.serverUrl + path;
    c.body = body;
    c.response.clear();
    curl_easy_setopt(c.easy, CURLOPT_URL, c.url.c_str());
    curl_easy_setopt(c.easy, CURLOPT_TIMEOUT, timeoutSeconds);
    if (c.headers) curl_slist_free_all(c.headers);
    c.headers = curl_slist_append(nullptr, "Expect:");
    if (kind == Kind::kReport) {
      c.headers = curl_slist_append(c.headers, "Content-Encoding: gzip");
      c.headers = curl_slist_append(c.headers, ("Idempotency-Key: " + idempotencyKey).c_str());
    }
    if (kind != Kind::kPoll) {
      c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
      curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, c.body.data());
      curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(c.body.size()));
    }
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c.easy, CURLOPT_WRITEDATA, &c.response);
    curl_easy_setopt(c.easy, CURLOPT_PRIVATE, &c);
    c.started = Clock::now();
    c.busy = true;
    curl_multi_add_handle(multi_, c.easy);
  }

  void startPoll(size_t agent) {
    Call& c = polls_[agent];
    c.agent = agent;
    start(c, Kind::kPoll, serverOf(agent), "/v1/tasks?wait=" + std::to_string(pollWait_), "",
          &devices_[agent], pollWait_ + 60);
  }

  // Answers the agent's next received task, or polls again.
  void continueAgent(size_t agent) {
    if (stopped_) return;
    auto& pending = pendingResults_[agent];
    if (pending.empty()) return startPoll(agent);
    const std::string id = pending.front();
    pending.pop_front();
    start(polls_[agent], Kind::kResult, serverOf(agent), "/v1/tasks/" + id + "/result",
          R"({"outcome":"answered","result":{"volumes":[]}})", &devices_[agent], 60);
  }

  void startReport(size_t agent) {
    const Device& d = devices_[agent];
    const std::string key = "f-" + d.id + "-" + std::to_string(reportsSent_++);
    Call& c = reports_[agent];
    c.agent = agent;
    start(c, Kind::kReport, serverOf(agent), "/v1/reports",
          *report::gzipCompress(usageBatch(d.id, key, rows_)), &d, 60, key);
    nextReport_[agent] = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(reportInterval_));
  }

  void queueTask() {
    auto idle =
        std::find_if(adminCalls_.begin(), adminCalls_.end(), [](const Call& c) { return !c.busy; });
    if (idle == adminCalls_.end()) return;  // the administrator is slower than the rate
    std::uniform_int_distribution<size_t> pick(0, devices_.size() - 1);
    const size_t agent = pick(random_);
    idle->agent = agent;
    start(*idle, Kind::kQueue, admin_, "/v1/admin/tasks",
          R"({"device":")" + devices_[agent].id +
              R"(","type":"status","purpose":"device-check","params":{}})",
          nullptr, 60);
  }

  void fail(Kind kind, const std::string& what) {
    ++figures_[static_cast<size_t>(kind)].errors;
    if (errorSamples_.size() < 5)
      errorSamples_.push_back(std::string(kKindNames[static_cast<size_t>(kind)]) + ": " + what);
  }

  void finished(CURL* easy, CURLcode result) {
    Call* c = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &c);
    curl_multi_remove_handle(multi_, easy);
    c->busy = false;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - c->started).count();
    const bool ok = result == CURLE_OK && status >= 200 && status < 300;
    if (!ok) {
      fail(c->kind, result != CURLE_OK ? curl_easy_strerror(result)
                                       : "HTTP " + std::to_string(status) + " " + c->response);
    } else {
      figures_[static_cast<size_t>(c->kind)].latenciesMs.push_back(ms);
    }
    switch (c->kind) {
      case Kind::kPoll: {
        if (ok) {
          auto answer = parseJsonObject(c->response);
          auto tasks = answer ? (*answer)->getArray("tasks") : nullptr;
          for (size_t i = 0; tasks && i < tasks->size(); ++i) {
            const std::string id =
                tasks->getObject(static_cast<unsigned>(i))->getValue<std::string>("id");
            if (auto q = queuedAt_.find(id); q != queuedAt_.end()) {
              deliveryMs_.push_back(
                  std::chrono::duration<double, std::milli>(now - q->second).count());
            } else {
              deliveredEarly_[id] = now;  // before the administrator's answer came back
            }
            pendingResults_[c->agent].push_back(id);
          }
        }
        continueAgent(c->agent);
        break;
      }
      case Kind::kResult:
        continueAgent(c->agent);
        break;
      case Kind::kReport:
        break;
      case Kind::kQueue:
        if (ok) {
          auto answer = parseJsonObject(c->response);
          if (answer) {
            const std::string id = (*answer)->getValue<std::string>("id");
            queuedAt_[id] = c->started;
            if (auto early = deliveredEarly_.find(id); early != deliveredEarly_.end()) {
              deliveryMs_.push_back(
                  std::chrono::duration<double, std::milli>(early->second - c->started).count());
              deliveredEarly_.erase(early);
            }
          }
        }
        break;
    }
  }

  const std::vector<Device> devices_;
  const std::vector<report::TlsClientOptions> servers_;
  const report::TlsClientOptions admin_;
  const int pollWait_;
  const double reportInterval_;
  const double taskRate_;
  const int rows_;
  std::vector<Call> polls_;    // per agent: its polls and answers, one at a time
  std::vector<Call> reports_;  // per agent: its uploads
  std::vector<std::deque<std::string>> pendingResults_;
  std::vector<Clock::time_point> nextReport_;
  std::vector<Clock::time_point> nextPoll_;  // each agent's first poll
  std::vector<bool> polled_;
  std::vector<Call> adminCalls_;
  CURLM* multi_;
  std::mt19937_64 random_{42};
  std::map<std::string, Clock::time_point> queuedAt_;
  std::map<std::string, Clock::time_point> deliveredEarly_;
  std::vector<double> deliveryMs_;
  KindFigures figures_[4];
  std::vector<std::string> errorSamples_;
  int64_t reportsSent_ = 0;
  bool stopped_ = false;
  double elapsed_ = 0;
};

int fleet(const ParsedArgs& args, const report::TlsClientOptions& base) {
  const int agents = std::stoi(args.value("agents").value_or("1000"));
  const std::string token = args.value("token").value_or("");
  std::vector<report::TlsClientOptions> servers;
  for (const auto& url : args.values("server")) {
    report::TlsClientOptions tls = base;
    tls.serverUrl = url;
    servers.push_back(tls);
  }
  if (servers.empty()) return fail(kProgram, "--server is required", kExitUsage);
  report::TlsClientOptions admin = servers.front();
  admin.certificateFile = args.value("admin-cert").value_or("");
  admin.privateKeyFile = args.value("admin-key").value_or("");

  std::vector<Device> devices;
  const auto enrollStart = Clock::now();
  for (int i = 0; i < agents; ++i) {
    // Each agent enrolls at the collector it will use.
    auto device = enrollDevice(servers[static_cast<size_t>(i) % servers.size()], token, i);
    if (!device) return fail(kProgram, device.status().message());
    devices.push_back(std::move(*device));
  }
  const double enrollSeconds = std::chrono::duration<double>(Clock::now() - enrollStart).count();
  FleetLoad load(std::move(devices), servers, admin,
                 std::stoi(args.value("poll-wait").value_or("20")),
                 std::stod(args.value("report-interval").value_or("10")),
                 std::stod(args.value("task-rate").value_or("20")),
                 std::stoi(args.value("rows").value_or("20")));
  load.run(std::stod(args.value("seconds").value_or("60")));
  std::cerr << "enrolled " << agents << " agents in " << enrollSeconds << " s\n";
  load.print(std::cout);
  return load.errors() == 0 ? kExitOk : kExitFailure;
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
        p->set("hour",
               "2026-11-20T" + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00:00Z");
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
  if (!platform::writePrivateFile(dir + "/heavy.key", device->keyPem) ||
      !platform::writePrivateFile(dir + "/heavy.crt", device->certificatePem)) {
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
    auto response =
        transport.send({"POST",
                        "/v1/reports",
                        "application/json",
                        {{"Content-Encoding", "gzip"}, {"Idempotency-Key", batch->batchId}},
                        *report::gzipCompress(batch->json)});
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
      {{"server", "URL", "the collector (fleet: repeat for several)"},
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
        [](const ParsedArgs& a) { return bench::heavyDay(a, bench::tlsFrom(a)); }},
       {"fleet",
        "fleet",
        "N agents long-poll, answer tasks and upload; an administrator queues device checks "
        "(status)",
        {{"agents", "N", "simulated agents (1000), spread over every --server"},
         {"seconds", "S", "how long the load runs (60)"},
         {"poll-wait", "S", "the agents' task poll wait (20)"},
         {"report-interval", "S", "seconds between one agent's uploads (10)"},
         {"task-rate", "R", "device checks queued per second at the first --server (20)"},
         {"rows", "R", "records per upload (20)"},
         {"admin-cert", "FILE", "administrator certificate (role viewer)"},
         {"admin-key", "FILE", "its key"}},
        [](const ParsedArgs& a) { return bench::fleet(a, bench::tlsFrom(a)); }}}};
  return runCli(program, argc, argv);
}
