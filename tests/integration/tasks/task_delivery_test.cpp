// Task delivery when a device's reader goes away or its answer does not arrive: a real
// collector and an enrolled device's certificate polling over real TLS, or a real agent. A
// newer poll ends an older one, so a dead reader takes no task; a poll that holds nothing
// ("fresh", the agent's first after a start or a failed poll) gets again what was
// delivered unanswered; an answer the collector refuses closes the task as failed.

#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <thread>

#include "common/canonical_json.h"
#include "tests/integration/agent/agent_helpers.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

// The ids of the tasks in a poll's answer.
std::vector<std::string> taskIds(const Result<report::HttpResponse>& answer) {
  REQUIRE(answer);
  REQUIRE(answer->status == 200);
  auto body = parseJsonObject(answer->body);
  REQUIRE(body);
  std::vector<std::string> ids;
  const Poco::JSON::Array::Ptr list = (*body)->getArray("tasks");
  for (unsigned i = 0; list && i < list->size(); ++i) {
    ids.push_back(list->getObject(i)->getValue<std::string>("id"));
  }
  return ids;
}

std::string queueStatus(const AdminCli& admin, const std::string& device) {
  Poco::JSON::Object::Ptr task = new Poco::JSON::Object;
  task->set("device", device);
  task->set("type", "status");
  task->set("purpose", "device-check");
  const auto queued = admin.post(task);
  REQUIRE(queued.status == 201);
  return (*parseJsonObject(queued.body))->getValue<std::string>("id");
}

}  // namespace

TEST_CASE("a newer poll ends an older one, and a fresh poll gets undelivered tasks again",
          "[tasks][network]") {
  EnrolledDevice fixture;
  const std::string& agentDir = fixture.agentDir;
  const std::string& device = fixture.device;
  const CollectorProcess& collector = fixture.collector;
  const AdminCli viewer{fixture.pki, collector, "viewer"};
  const auto poll = [&](const std::string& query) {
    report::CurlTransport transport(deviceTls(agentDir, collector.url()));
    return transport.send({"GET", "/v1/tasks?" + query, "", {}, ""});
  };

  SECTION("a dead reader's poll ends when the next one comes, and takes nothing") {
    std::atomic<bool> ended{false};
    std::vector<std::string> takenByOld;
    std::thread old([&] {
      takenByOld = taskIds(poll("wait=60"));
      ended = true;
    });
    // Polls keep coming until the old one has ended (each newer than it ends it).
    const bool superseded = waitUntil([&] {
      CHECK(taskIds(poll("wait=0")).empty());
      return ended.load();
    });
    old.join();
    REQUIRE(superseded);
    CHECK(takenByOld.empty());
    // No poll is waiting now: a new task stays queued for the next reader.
    const std::string id = queueStatus(viewer, device);
    CHECK(taskIds(poll("wait=5")) == std::vector<std::string>{id});
  }

  SECTION("delivered but never answered: a fresh poll gets it again, a plain one does not") {
    const std::string id = queueStatus(viewer, device);
    CHECK(taskIds(poll("wait=5")) == std::vector<std::string>{id});
    CHECK(taskIds(poll("wait=0")).empty());  // delivered: not again within the redelivery time
    CHECK(taskIds(poll("wait=0&fresh=1")) == std::vector<std::string>{id});
  }
}

TEST_CASE("an answer the collector refuses closes the task as failed, with the reason",
          "[tasks][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  const std::string agentDir = dir.file("agent");
  auto collector = std::make_unique<CollectorProcess>(pki, dir.file("collector"));
  const std::string device = enrollAgent(agentDir, *collector, pki);
  // The same collector again, now taking no request body over 1 KiB: the device's security
  // log (its first entries hold the whole configuration) no longer fits in an answer.
  const int port = collector->port();
  REQUIRE(collector->stop() == 0);
  collector = std::make_unique<CollectorProcess>(
      pki, dir.file("collector"), port, std::vector<std::string>{"limits.max_body_bytes=1024"});
  auto agent =
      startAgent(agentDir, {"--set", "tasks.poll_wait_seconds=2", "--set",
                            "tasks.backoff_min_ms=100", "--set", "tasks.backoff_max_ms=400"});
  REQUIRE(agent->running());

  const AdminCli viewer{pki, *collector, "viewer"};
  Poco::JSON::Object::Ptr task = new Poco::JSON::Object;
  task->set("device", device);
  task->set("type", "audit-log");
  task->set("purpose", "audit-check");
  const Poco::JSON::Object::Ptr done = viewer.queueAndWait(task);
  REQUIRE(done);
  INFO(canonicalJson(done));
  CHECK(done->getValue<std::string>("state") == "failed");
  CHECK_THAT(done->getValue<std::string>("reason"),
             Catch::Contains("the collector refused the answer: HTTP 413"));

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
