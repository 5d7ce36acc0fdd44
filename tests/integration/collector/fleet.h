#pragma once
// Helpers for tests that run the real collector, agent and admin CLI on loopback: a dev
// PKI made by scripts/dev-pki, a collector process on a free port (bound to 0 and read
// from its port file), enrolled agents, and direct reads of the collector's database.

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/curl_transport.h"
#include "protocol/enrollment.h"
#include "protocol/signed_order.h"
#include "tests/integration/agent/agent_helpers.h"

namespace tillid::test {

struct DevPki {
  std::string dir;
  std::string file(const std::string& name) const { return dir + "/" + name; }
  std::string token() const;
};

// Runs scripts/dev-pki DIR with extra arguments; REQUIREs success.
DevPki makeDevPki(const std::string& dir, const std::vector<std::string>& extra = {});

class CollectorProcess {
 public:
  // Starts tillid-collector with `pki`'s collector.json on `port` (0: any free port) and
  // waits until it answers. Extra --set overrides in `sets`.
  CollectorProcess(const DevPki& pki, std::string stateDir, int port = 0,
                   std::vector<std::string> sets = {});
  ~CollectorProcess();

  int port() const { return port_; }
  std::string url() const { return "https://localhost:" + std::to_string(port_); }
  bool running() { return child_ && child_->running(); }
  // SIGTERM and wait; returns the exit code.
  int stop();
  // Number of rows of the collector's `sql` (a COUNT query), read from its database.
  int64_t count(const std::string& sql) const;
  // Runs `sql` on the collector's database, as an operator with the sqlite3 tool would;
  // REQUIREs success.
  void exec(const std::string& sql) const;
  // The same for the task store's database (tasks, access log, order nonces).
  int64_t countTasks(const std::string& sql) const;
  const std::string& stateDir() const { return stateDir_; }
  std::string err() const { return child_ ? child_->err() : ""; }

 private:
  std::string stateDir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

// `tillid-agent enroll` against the collector; REQUIREs success, returns the device id.
std::string enrollAgent(const std::string& stateDir, const CollectorProcess& collector,
                        const DevPki& pki);

// The usual start of a test: a temporary directory with a dev PKI, a collector (with the
// --set overrides in `sets`) and an agent state directory enrolled with it.
struct EnrolledDevice {
  explicit EnrolledDevice(std::vector<std::string> sets = {})
      : pki(makeDevPki(dir.file("pki"))),
        collector(pki, dir.file("collector"), 0, std::move(sets)),
        agentDir(dir.file("agent")),
        device(enrollAgent(agentDir, collector, pki)) {}

  TempDir dir;
  const DevPki pki;
  CollectorProcess collector;
  const std::string agentDir;
  const std::string device;
};

// Overrides that make the uploader quick for tests.
std::vector<std::string> fastReporting();

// Adds 2 connections, 5000 bytes in, 700 out and 42 active seconds to one usage_hourly
// row per hour label in the agent's database (as the usage aggregator would), while the
// agent may be running.
void addUsageHours(const std::string& stateDir, const std::vector<std::string>& hours);

// TLS options of the enrolled device in `stateDir` for talking to `url` directly.
report::TlsClientOptions deviceTls(const std::string& stateDir, const std::string& url);

// tillid-admin against `collector` with the dev PKI's administrator certificate of `role`
// ("" for the role-less admin.pem).
struct AdminCli {
  const DevPki& pki;
  const CollectorProcess& collector;
  std::string role;

  RunResult run(std::vector<std::string> args) const;
  // The same certificate for talking to the collector directly.
  report::TlsClientOptions tls() const;
  // Posts `task` to /v1/admin/tasks as this administrator (REQUIREs 201) and returns the
  // task once the device answered it (or after 30 s).
  Poco::JSON::Object::Ptr queueAndWait(const Poco::JSON::Object::Ptr& task) const;
  // Posts `task` to /v1/admin/tasks and returns the collector's answer, whatever it is.
  report::HttpResponse post(const Poco::JSON::Object::Ptr& task) const;
};

// The "code" of a JSON error answer, or a description of what came instead.
std::string errorCode(const report::HttpResponse& response);
// A task for /v1/admin/tasks carrying `order` signed with the PEM key in `keyFile`;
// device, type, purpose and case are the order's.
Poco::JSON::Object::Ptr signedTask(const std::string& keyFile, const tasks::Order& order);

// A command's standard output parsed as a JSON object; REQUIREs that it is one.
Poco::JSON::Object::Ptr jsonOutput(const RunResult& r);

// `tillid-agent status --json` parsed.
Poco::JSON::Object::Ptr agentStatus(const std::string& stateDir);

}  // namespace tillid::test
