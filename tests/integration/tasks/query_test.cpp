// Queries under the rules, end to end: a real collector with the dev PKI's role
// certificates and order keys, a real enrolled agent long-polling for tasks, and
// tillid-admin asking — spot checks, investigations with signed orders, refusals, replay,
// the security log on the device and the access log at the collector, audit-check.

#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

#include "common/canonical_json.h"
#include "protocol/curl_transport.h"
#include "tests/integration/collector/fleet.h"

using namespace tillid;
using namespace tillid::test;

namespace {

std::vector<std::string> fastTasks() {
  std::vector<std::string> sets = fastReporting();
  for (const char* set :
       {"tasks.poll_wait_seconds=2", "tasks.backoff_min_ms=100", "tasks.backoff_max_ms=400"}) {
    sets.insert(sets.end(), {"--set", set});
  }
  return sets;
}

}  // namespace

TEST_CASE("queries under the rules: purposes, roles, signed orders, logs", "[tasks][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  // The collector allows investigation orders valid for a year, the device (by default)
  // for a week: an order in between is queued and refused by the device.
  CollectorProcess collector(pki, dir.file("collector"), 0,
                             {"tasks.order_max_hours.investigation=8760"});
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  // The administrators' order keys came with the enrollment.
  REQUIRE(std::filesystem::exists(agentDir + "/order-keys.json"));
  auto agent = startAgent(agentDir, fastTasks());
  REQUIRE(agent->running());
  // The lock is taken before the store is migrated: wait for the usage table.
  REQUIRE(waitUntil([&] {
    auto db = openAgentDb(agentDir);
    return queryText(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'usage_hourly'") == "1";
  }));
  addUsageHours(agentDir, {"2026-11-10T01:00:00Z", "2026-11-10T02:00:00Z"});

  const AdminCli viewer{pki, collector, "viewer"};
  const AdminCli investigator{pki, collector, "investigator"};
  const AdminCli offboarding{pki, collector, "offboarding"};
  const std::vector<std::string> period = {"--param", "since=2026-11-01T00:00:00Z"};

  SECTION("a spot check is a draw and answers with aggregates only") {
    report::CurlTransport admin(viewer.tls());
    auto drawn = admin.send({"POST",
                             "/v1/admin/spot-checks",
                             "application/json",
                             {},
                             R"({"count": 1, "type": "usage-summary"})"});
    REQUIRE(drawn);
    REQUIRE(drawn->status == 201);
    auto draw = parseJsonObject(drawn->body);
    REQUIRE(draw);
    const std::string taskId =
        (*draw)->getArray("tasks")->getObject(0)->getValue<std::string>("id");
    auto answered = admin.send({"GET", "/v1/admin/tasks/" + taskId + "?wait=30", "", {}, ""});
    REQUIRE(answered);
    auto task = parseJsonObject(answered->body);
    REQUIRE(task);
    CHECK((*task)->getValue<std::string>("state") == "answered");
    CHECK(answered->body.find("example.org") == std::string::npos);
    CHECK(answered->body.find("alice") == std::string::npos);
    // Aimed at a named device, a spot check is refused and never queued.
    const int64_t queued = collector.countTasks("SELECT COUNT(*) FROM tasks");
    for (const char* purpose : {"spot-check", "device-check"}) {
      const RunResult aimed = viewer.run({"query", device, "usage-summary", "--purpose", purpose});
      CHECK(aimed.exitCode == 1);
      CHECK(aimed.err.find(std::string(purpose) == "spot-check"
                               ? "never aimed at a device"
                               : "it needs spot-check") != std::string::npos);
    }
    CHECK(collector.countTasks("SELECT COUNT(*) FROM tasks") == queued);
    // Status and inventory reveal nothing about a person: any role asks a named device.
    for (const AdminCli* who : {&viewer, &offboarding}) {
      const RunResult status = who->run({"query", device, "status"});
      INFO(status.err);
      CHECK(status.exitCode == 0);
    }
  }

  SECTION(
      "the collector's copies are read under the same rules, logged, and the employee is told") {
    REQUIRE(waitUntil([&] { return collector.count("SELECT COUNT(*) FROM usage") == 2; }));
    report::CurlTransport admin(viewer.tls());
    auto drawn = admin.send({"POST",
                             "/v1/admin/spot-checks",
                             "application/json",
                             {},
                             R"({"count": 1, "type": "status"})"});
    REQUIRE(drawn);
    REQUIRE(drawn->status == 201);
    const std::string draw = (*parseJsonObject(drawn->body))->getValue<std::string>("draw");
    // A spot check's draw opens the aggregates, never the destinations.
    const RunResult summary = viewer.run(
        {"usage", device, "--draw", draw, "--param", "since=2026-11-01T00:00:00Z", "--json"});
    INFO(summary.err);
    REQUIRE(summary.exitCode == 0);
    auto volumes = jsonOutput(summary)->getArray("volumes");
    REQUIRE(volumes->size() == 1);
    CHECK(volumes->getObject(0)->getValue<std::string>("category") == "Web");
    CHECK(volumes->getObject(0)->getValue<int64_t>("bytes_in") == 10000);
    CHECK(summary.out.find("example.org") == std::string::npos);
    CHECK(summary.out.find("alice") == std::string::npos);
    const RunResult unknownDraw = viewer.run({"usage", device, "--draw", "t-made-up"});
    CHECK(unknownDraw.exitCode == 1);
    CHECK(unknownDraw.err.find("did not draw device") != std::string::npos);
    const RunResult noPurpose = viewer.run({"flags", device});
    CHECK(noPurpose.exitCode == 2);
    // Destinations only in an investigation, with its case and an investigator's order.
    const RunResult asViewer = viewer.run(
        {"usage", device, "--case", "SAG-9", "--order-key", pki.file("order-investigator.key")});
    CHECK(asViewer.exitCode == 1);
    CHECK(asViewer.err.find("needs the investigator role") != std::string::npos);
    const RunResult wrongKey = investigator.run(
        {"usage", device, "--case", "SAG-9", "--order-key", pki.file("order-offboarding.key")});
    CHECK(wrongKey.exitCode == 1);
    const RunResult detail = investigator.run({"usage", device, "--case", "SAG-9", "--order-key",
                                               pki.file("order-investigator.key"), "--param",
                                               "since=2026-11-01T00:00:00Z", "--json"});
    INFO(detail.err);
    REQUIRE(detail.exitCode == 0);
    auto rows = jsonOutput(detail)->getArray("rows");
    REQUIRE(rows->size() == 2);
    CHECK(rows->getObject(0)->getValue<std::string>("destination") == "example.org");

    // Each read and refusal is in the access log with who, purpose and case.
    CHECK(collector.countTasks("SELECT COUNT(*) FROM access_log WHERE action = 'read.answered' "
                               "AND purpose = 'spot-check' AND actor = 'admin-viewer'") == 1);
    CHECK(collector.countTasks("SELECT COUNT(*) FROM access_log WHERE action = 'read.answered' "
                               "AND purpose = 'investigation' AND case_ref = 'SAG-9' AND "
                               "actor = 'admin-investigator'") == 1);
    CHECK(collector.countTasks("SELECT COUNT(*) FROM access_log WHERE action = 'read.refused'") >=
          3);
    // The device learns of both reads: its security log, which the employee's view lists.
    REQUIRE(waitUntil([&] {
      auto db = openAgentDb(agentDir);
      return queryText(db,
                       "SELECT COUNT(*) FROM audit_log WHERE action = 'task.answered' AND "
                       "details LIKE '%\"type\":\"collector-read\"%'") == "2";
    }));
    auto db = openAgentDb(agentDir);
    CHECK(queryText(db,
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'task.answered' AND "
                    "details LIKE '%\"read\":\"usage-detail\"%' AND details LIKE "
                    "'%SAG-9%' AND actor = 'admin:admin-investigator'") == "1");
  }

  SECTION("detail is refused for a spot check, without a case, and for the viewer role") {
    const RunResult spot = viewer.run({"query", device, "usage-detail"});
    CHECK(spot.exitCode == 1);
    CHECK(spot.err.find("it needs investigation") != std::string::npos);
    const RunResult noCase =
        investigator.run({"query", device, "usage-detail", "--purpose", "investigation",
                          "--order-key", pki.file("order-investigator.key")});
    CHECK(noCase.exitCode == 1);
    CHECK(noCase.err.find("needs a case reference") != std::string::npos);
    const RunResult wrongRole =
        viewer.run({"query", device, "usage-detail", "--purpose", "investigation", "--case", "S-1",
                    "--order-key", pki.file("order-investigator.key")});
    CHECK(wrongRole.exitCode == 1);
    CHECK(wrongRole.err.find("needs the investigator role") != std::string::npos);
    const RunResult curious = viewer.run({"query", device, "flags", "--purpose", "curiosity"});
    CHECK(curious.exitCode == 1);
    CHECK(curious.err.find("'curiosity' is not allowed") != std::string::npos);
    const RunResult wrongKey =
        investigator.run({"query", device, "usage-detail", "--purpose", "investigation", "--case",
                          "S-1", "--order-key", pki.file("order-offboarding.key")});
    CHECK(wrongKey.exitCode == 1);

    auto log = jsonOutput(viewer.run({"access-log", "--device", device, "--json"}));
    const std::string text = canonicalJson(log);
    CHECK(text.find("query.refused") != std::string::npos);
    CHECK(text.find("curiosity") != std::string::npos);
  }

  SECTION("an investigation with a signed order gets destinations, once") {
    auto args =
        std::vector<std::string>{"query",       device,          "usage-detail",
                                 "--purpose",   "investigation", "--case",
                                 "SAG-2026-17", "--order-key",   pki.file("order-investigator.key"),
                                 "--json"};
    args.insert(args.end(), period.begin(), period.end());
    const RunResult r = investigator.run(args);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    auto task = jsonOutput(r);
    auto rows = task->getObject("result")->getArray("rows");
    REQUIRE(rows->size() == 2);
    CHECK(rows->getObject(0)->getValue<std::string>("destination") == "example.org");

    // The answer is the investigator's: another administrator sees the task, not its rows.
    report::CurlTransport other(viewer.tls());
    for (const std::string& path :
         {"/v1/admin/tasks/" + task->getValue<std::string>("id"), std::string("/v1/admin/tasks")}) {
      auto seen = other.send({"GET", path, "", {}, ""});
      REQUIRE(seen);
      CHECK(seen->status == 200);
      CHECK(seen->body.find("example.org") == std::string::npos);
      CHECK(seen->body.find("result_withheld") != std::string::npos);
    }

    // The same signed order again (a replay through the collector) is refused by the
    // collector and never queued.
    Poco::JSON::Object::Ptr replay = new Poco::JSON::Object;
    replay->set("device", device);
    replay->set("type", "usage-detail");
    replay->set("purpose", "investigation");
    replay->set("case", "SAG-2026-17");
    replay->set("order", task->getObject("order"));
    const int64_t queued = collector.countTasks("SELECT COUNT(*) FROM tasks");
    const auto replayed = investigator.post(replay);
    CHECK(replayed.status == 403);
    CHECK_THAT(replayed.body, Catch::Contains("replay"));
    CHECK(collector.countTasks("SELECT COUNT(*) FROM tasks") == queued);

    // The answer is on the device's security log: who, purpose, case.
    auto db = openAgentDb(agentDir);
    CHECK(queryText(db,
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'task.answered' AND "
                    "details LIKE '%SAG-2026-17%' AND actor = 'admin:admin-investigator'") == "1");
  }

  SECTION("orders the device would refuse are refused by the collector, never queued") {
    tasks::Order order;
    order.device = device;
    order.type = "usage-detail";
    order.purpose = "investigation";
    order.caseRef = "SAG-2026-17";
    order.issuedBy = "dev investigator";
    const auto refusedBeforeQueuing = [&](tasks::Order o, const std::string& keyFile,
                                          const std::string& reason) {
      o.nonce = *tasks::newNonce();
      const int64_t queued = collector.countTasks("SELECT COUNT(*) FROM tasks");
      const auto answer = investigator.post(signedTask(keyFile, o));
      INFO(answer.body);
      CHECK(answer.status == 403);
      CHECK_THAT(answer.body, Catch::Contains(reason));
      CHECK(collector.countTasks("SELECT COUNT(*) FROM tasks") == queued);
    };
    order.expires = formatTimestamp(WallClock::now() - std::chrono::minutes(1));
    refusedBeforeQueuing(order, pki.file("order-investigator.key"), "expired");
    order.expires = "2099-01-01T00:00:00Z";
    refusedBeforeQueuing(order, pki.file("order-investigator.key"), "longer than the 8760 hours");
    order.expires = formatTimestamp(WallClock::now() + std::chrono::hours(1));
    refusedBeforeQueuing(order, pki.file("order-offboarding.key"), "needs investigator");

    // Within the collector's limit but not the device's: queued, and the device refuses.
    order.nonce = *tasks::newNonce();
    order.expires = formatTimestamp(WallClock::now() + std::chrono::hours(24 * 30));
    auto refused = investigator.queueAndWait(signedTask(pki.file("order-investigator.key"), order));
    CHECK(refused->getValue<std::string>("state") == "refused");
    CHECK_THAT(refused->getValue<std::string>("reason"),
               Catch::Contains("longer than the 168 hours allowed"));
  }

  SECTION("spot checks are drawn with a seed nobody chooses, and the draw is logged") {
    const RunResult r = viewer.run({"spot-check", "--count", "1", "--query", "flags"});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(r.out.find(device) != std::string::npos);
    const RunResult again = viewer.run({"spot-check", "--count", "1", "--query", "flags"});
    REQUIRE(again.exitCode == 0);
    const auto seedOf = [](const std::string& out) {
      const auto at = out.find("with seed ");
      return at == std::string::npos ? std::string() : out.substr(at + 10, 32);
    };
    CHECK(seedOf(r.out).size() == 32);
    CHECK(seedOf(r.out) != seedOf(again.out));
    // The draw can be re-checked from the log alone: seed, population and what was drawn.
    auto log = jsonOutput(viewer.run({"access-log", "--json"}));
    const Poco::JSON::Array::Ptr entries = log->getArray("access_log");
    REQUIRE(entries);
    bool found = false;
    for (unsigned i = 0; i < entries->size(); ++i) {
      const auto entry = entries->getObject(i);
      if (entry->getValue<std::string>("action") != "spot-check.drawn") continue;
      const std::string details = canonicalJson(entry);
      if (details.find(seedOf(r.out)) == std::string::npos) continue;
      found = true;
      CHECK(details.find("population_sha256") != std::string::npos);
      CHECK(details.find(R"("draw":"t-)") != std::string::npos);
      CHECK(details.find(device) != std::string::npos);
    }
    CHECK(found);
    // A chosen seed is refused: a spot check is a draw, not an aim.
    report::CurlTransport admin(viewer.tls());
    auto chosen = admin.send({"POST",
                              "/v1/admin/spot-checks",
                              "application/json",
                              {},
                              R"({"count": 1, "type": "flags", "seed": 42})"});
    REQUIRE(chosen);
    CHECK(chosen->status == 400);
    CHECK(chosen->body.find("cannot be chosen") != std::string::npos);
    // Offboarding administrators do not run spot checks.
    CHECK(offboarding.run({"spot-check", "--count", "1"}).exitCode == 1);
  }

  SECTION("audit-check compares the uploaded anchors with the chain") {
    REQUIRE(waitUntil([&] {
      return collector.count("SELECT COUNT(*) FROM records WHERE kind = 'anchor'") >= 1;
    }));
    const RunResult r = viewer.run({"audit-check", device});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("intact") != std::string::npos);
    CHECK(r.out.find("matches") != std::string::npos);
  }

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
