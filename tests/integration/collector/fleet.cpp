#include "tests/integration/collector/fleet.h"

#include <Poco/File.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/canonical_json.h"
#include "store/database.h"

namespace tillid::test {

std::string DevPki::token() const {
  std::string text = readFile(file("enrollment-token"));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

DevPki makeDevPki(const std::string& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> args{dir};
  args.insert(args.end(), extra.begin(), extra.end());
  const RunResult made = runProgram(std::string(TILLID_SOURCE_DIR) + "/scripts/dev-pki", args);
  INFO(made.err);
  REQUIRE(made.exitCode == 0);
  return DevPki{dir};
}

CollectorProcess::CollectorProcess(const DevPki& pki, std::string stateDir, int port,
                                   std::vector<std::string> sets)
    : stateDir_(std::move(stateDir)) {
  std::vector<std::string> args{"--config",    pki.file("collector.json"),
                                "--state-dir", stateDir_,
                                "--set",       "listen.port=" + std::to_string(port)};
  for (const auto& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  args.push_back("run");
  const std::string portFile = stateDir_ + "/collector.port";
  if (Poco::File(portFile).exists()) Poco::File(portFile).remove();
  child_ = std::make_unique<ChildProcess>(TILLID_COLLECTOR_BIN, args);
  REQUIRE(waitUntil([&] { return Poco::File(portFile).exists() || !child_->running(); }));
  INFO(child_->err());
  REQUIRE(child_->running());
  port_ = std::stoi(readFile(portFile));
}

CollectorProcess::~CollectorProcess() {
  if (child_ && child_->running()) stop();
}

int CollectorProcess::stop() {
  child_->signal(SIGTERM);
  return child_->wait();
}

namespace {

int64_t countIn(const std::string& path, const std::string& sql) {
  auto db = store::Database::open(path, store::OpenMode::kReadOnly);
  if (!db) throw std::runtime_error(db.status().message());
  auto text = db->queryText(sql);
  if (!text) throw std::runtime_error(text.status().message());
  return std::stoll(text->value_or("0"));
}

}  // namespace

int64_t CollectorProcess::count(const std::string& sql) const {
  return countIn(stateDir_ + "/collector.db", sql);
}

int64_t CollectorProcess::countTasks(const std::string& sql) const {
  return countIn(stateDir_ + "/tasks.db", sql);
}

void CollectorProcess::exec(const std::string& sql) const {
  auto db = store::Database::open(stateDir_ + "/collector.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  REQUIRE(db->exec(sql));
}

std::string enrollAgent(const std::string& stateDir, const CollectorProcess& collector,
                        const DevPki& pki) {
  const RunResult enrolled = agentCommand(
      stateDir,
      {"enroll", "--server", collector.url(), "--token", pki.token(), "--ca", pki.file("ca.pem")});
  INFO(enrolled.err);
  REQUIRE(enrolled.exitCode == 0);
  auto enrollment = report::loadEnrollment(report::EnrollmentFiles{stateDir});
  REQUIRE(enrollment);
  REQUIRE(enrollment->has_value());
  return (*enrollment)->deviceId;
}

std::vector<std::string> fastReporting() {
  return {"--set", "report.interval_ms=100",           "--set", "report.drain_interval_ms=20",
          "--set", "report.backoff_min_ms=100",        "--set", "report.backoff_max_ms=400",
          "--set", "report.anchor_interval_seconds=1", "--set", "store.batch_max_ms=20"};
}

void addUsageHours(const std::string& stateDir, const std::vector<std::string>& hours) {
  auto db = store::Database::open(stateDir + "/tillid.db", store::OpenMode::kReadWriteCreate);
  REQUIRE(db);
  for (const auto& hour : hours) {
    auto insert = db->prepare(
        "INSERT INTO usage_hourly (hour, user, application, destination, service, category,"
        " connections, bytes_in, bytes_out, active_seconds)"
        " VALUES (?, 'alice', 'firefox', 'example.org', 'TLS', 'Web', 2, 5000, 700, 42)"
        " ON CONFLICT(hour, user, application, destination, service, category) DO UPDATE SET"
        " connections = connections + 2, bytes_in = bytes_in + 5000,"
        " bytes_out = bytes_out + 700, active_seconds = min(3600, active_seconds + 42)");
    REQUIRE(insert);
    REQUIRE(insert->bind(1, hour).run());
  }
}

report::TlsClientOptions deviceTls(const std::string& stateDir, const std::string& url) {
  const report::EnrollmentFiles files{stateDir};
  report::TlsClientOptions tls;
  tls.serverUrl = url;
  tls.caFile = files.ca();
  tls.certificateFile = files.certificate();
  tls.privateKeyFile = files.key();
  tls.timeout = std::chrono::seconds(20);
  return tls;
}

RunResult AdminCli::run(std::vector<std::string> args) const {
  const std::string cert = role.empty() ? "admin" : "admin-" + role;
  args.insert(args.end(), {"--server", collector.url(), "--cert", pki.file(cert + ".pem"), "--key",
                           pki.file(cert + ".key"), "--ca", pki.file("ca.pem")});
  return runProgram(TILLID_ADMIN_BIN, args);
}

report::TlsClientOptions AdminCli::tls() const {
  const std::string cert = role.empty() ? "admin" : "admin-" + role;
  report::TlsClientOptions options;
  options.serverUrl = collector.url();
  options.caFile = pki.file("ca.pem");
  options.certificateFile = pki.file(cert + ".pem");
  options.privateKeyFile = pki.file(cert + ".key");
  return options;
}

report::HttpResponse AdminCli::post(const Poco::JSON::Object::Ptr& task) const {
  report::CurlTransport transport(tls());
  auto answer =
      transport.send({"POST", "/v1/admin/tasks", "application/json", {}, canonicalJson(task)});
  REQUIRE(answer);
  return *answer;
}

Poco::JSON::Object::Ptr signedTask(const std::string& keyFile, const tasks::Order& order) {
  std::ifstream in(keyFile);
  std::stringstream pem;
  pem << in.rdbuf();
  auto key = tasks::OrderSigningKey::fromPem(pem.str());
  REQUIRE(key);
  auto signedOrder = key->sign(order);
  REQUIRE(signedOrder);
  Poco::JSON::Object::Ptr task = new Poco::JSON::Object;
  task->set("device", order.device);
  task->set("type", order.type);
  task->set("purpose", order.purpose);
  task->set("case", order.caseRef);
  task->set("params", order.params);
  task->set("order", tasks::signedOrderToJson(*signedOrder));
  return task;
}

Poco::JSON::Object::Ptr AdminCli::queueAndWait(const Poco::JSON::Object::Ptr& task) const {
  report::CurlTransport transport(tls());
  auto created =
      transport.send({"POST", "/v1/admin/tasks", "application/json", {}, canonicalJson(task)});
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 201);
  const std::string id = (*parseJsonObject(created->body))->getValue<std::string>("id");
  auto answered = transport.send({"GET", "/v1/admin/tasks/" + id + "?wait=30", "", {}, ""});
  REQUIRE(answered);
  auto parsed = parseJsonObject(answered->body);
  REQUIRE(parsed);
  return *parsed;
}

std::string errorCode(const report::HttpResponse& response) {
  auto body = parseJsonObject(response.body);
  if (!body || !(*body)->getObject("error")) return "(not a JSON error: " + response.body + ")";
  return (*body)->getObject("error")->getValue<std::string>("code");
}

Poco::JSON::Object::Ptr jsonOutput(const RunResult& r) {
  INFO(r.out << r.err);
  auto parsed = parseJsonObject(r.out);
  REQUIRE(parsed);
  return *parsed;
}

Poco::JSON::Object::Ptr agentStatus(const std::string& stateDir) {
  const RunResult status = agentCommand(stateDir, {"status", "--json"});
  auto parsed = parseJsonObject(status.out);
  INFO(status.out << status.err);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace tillid::test
