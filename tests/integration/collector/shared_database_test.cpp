// Two tillid-collector processes on one PostgreSQL database and one CA serve one fleet:
// a device enrolled at A reports at B, a batch re-sent to the other collector is stored
// once, and a task queued at A reaches the agent long-polling at B, whose answer the
// administrator waiting at A receives.

#include <Poco/JSON/Array.h>
#include <libpq-fe.h>

#include <catch2/catch.hpp>

#include "common/canonical_json.h"
#include "protocol/gzip.h"
#include "protocol/report_batch.h"
#include "tests/integration/collector/fleet.h"
#include "tests/support/postgres_server.h"

using namespace tillid;
using namespace tillid::test;

namespace {

// The first column of the first row of `sql`, read straight from the shared database.
std::string pgValue(const std::string& conninfo, const std::string& sql) {
  PGconn* connection = PQconnectdb(conninfo.c_str());
  PGresult* result = PQexec(connection, sql.c_str());
  std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0
                          ? PQgetvalue(result, 0, 0)
                          : "error: " + std::string(PQerrorMessage(connection));
  PQclear(result);
  PQfinish(connection);
  return value;
}

std::string flagBatch(const std::string& deviceId, const std::string& batchId) {
  std::vector<report::OutgoingRecord> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back({batchId + "-f" + std::to_string(i), "flag", "2026-11-20T11:15:00Z",
                       new Poco::JSON::Object});
  }
  return report::reportBatchJson(deviceId, batchId, records);
}

// POSTs `batch` as the device to `url`; returns the collector's "status".
std::string upload(const std::string& agentDir, const std::string& url, const std::string& key,
                   const std::string& batch) {
  report::CurlTransport transport(deviceTls(agentDir, url));
  auto response = transport.send({"POST",
                                  "/v1/reports",
                                  "application/json",
                                  {{"Content-Encoding", "gzip"}, {"Idempotency-Key", key}},
                                  *report::gzipCompress(batch)});
  REQUIRE(response);
  INFO(response->body);
  REQUIRE(response->status == 200);
  return (*parseJsonObject(response->body))->getValue<std::string>("status");
}

}  // namespace

TEST_CASE("two collectors on one PostgreSQL serve one fleet", "[collector][network]") {
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  const std::string conninfo = PostgresServer::shared().createDatabase();
  const std::vector<std::string> shared = {"storage.backend=postgresql",
                                           "storage.postgresql=" + conninfo};
  // Both start at once: the schema is created once, under the migration lock.
  CollectorProcess a(pki, dir.file("a"), 0, shared);
  CollectorProcess b(pki, dir.file("b"), 0, shared);
  REQUIRE(a.port() != b.port());

  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, a, pki);
  CHECK(pgValue(conninfo, "SELECT COUNT(*) FROM devices WHERE id = '" + device + "'") == "1");
  CHECK(pgValue(conninfo, "SELECT uses FROM enrollment_tokens") == "1");

  // The certificate A issued is accepted by B (one CA), and a batch stored at B is a
  // duplicate at A.
  const std::string batch = flagBatch(device, "b-1");
  CHECK(upload(agentDir, b.url(), "b-1", batch) == "stored");
  CHECK(upload(agentDir, a.url(), "b-1", batch) == "duplicate");
  CHECK(upload(agentDir, b.url(), "b-1", batch) == "duplicate");
  CHECK(pgValue(conninfo, "SELECT COUNT(*) FROM records WHERE device_id = '" + device + "'") ==
        "3");
  CHECK(pgValue(conninfo, "SELECT batches FROM devices WHERE id = '" + device + "'") == "1");

  // The agent moves to B (as a load balancer might send it) and long-polls there, for
  // longer than the administrator waits at A: only a wake-up across collectors gets the
  // task to it and its answer back in time.
  {
    auto enrollment = parseJsonObject(readFile(agentDir + "/enrollment.json"));
    REQUIRE(enrollment);
    (*enrollment)->set("server", b.url());
    writeFile(agentDir + "/enrollment.json", canonicalJson(*enrollment));
  }
  std::vector<std::string> sets = fastReporting();
  sets.insert(sets.end(), {"--set", "tasks.poll_wait_seconds=55"});
  auto agent = startAgent(agentDir, sets);
  REQUIRE(agent->running());
  REQUIRE(waitUntil([&] {
    auto db = openAgentDb(agentDir);
    return queryText(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'usage_hourly'") == "1";
  }));
  addUsageHours(agentDir, {"2026-11-10T01:00:00Z"});
  // Its upload reached B (and so its poller runs too).
  REQUIRE(waitUntil([&] {
    return pgValue(conninfo, "SELECT COUNT(*) FROM usage WHERE device_id = '" + device + "'") ==
           "1";
  }));

  const RunResult query =
      runProgram(TILLID_ADMIN_BIN, {"query", device, "status", "--json", "--wait", "20", "--server",
                                    a.url(), "--cert", pki.file("admin-viewer.pem"), "--key",
                                    pki.file("admin-viewer.key"), "--ca", pki.file("ca.pem")});
  INFO(query.out << query.err << agent->err());
  REQUIRE(query.exitCode == 0);
  auto task = parseJsonObject(query.out);
  REQUIRE(task);
  CHECK((*task)->getValue<std::string>("state") == "answered");
  CHECK((*task)->getObject("result"));
  // Queued at A, answered through B: both wrote to the one access log.
  CHECK(pgValue(conninfo, "SELECT string_agg(action, ',' ORDER BY seq) FROM access_log") ==
        "query.queued,query.answered");
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
}
