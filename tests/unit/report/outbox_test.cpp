#include "agent/report/outbox.h"

#include <catch2/catch.hpp>

#include "common/canonical_json.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::report;

namespace {

store::Database openOutbox(const test::TempDir& dir) {
  auto opened = store::openStore(dir.file("agent.db"), {reportSchema()});
  REQUIRE(opened);
  return std::move(opened->db);
}

std::string usagePayload(int hour) {
  return "{\"hour\":\"2026-11-20T" + std::to_string(10 + hour) + ":00:00Z\",\"pad\":\"" +
         std::string(100, 'x') + "\"}";
}

int64_t count(store::Database& db, const std::string& where) {
  auto text = db.queryText("SELECT COUNT(*) FROM outbox WHERE " + where);
  REQUIRE(text);
  return std::stoll(text->value_or("0"));
}

}  // namespace

TEST_CASE("batches take the most urgent records first and resend the same bytes", "[report]") {
  test::TempDir dir;
  auto db = openOutbox(dir);
  for (int h = 0; h < 3; ++h) {
    REQUIRE(Outbox::enqueue(db, RecordKind::kUsage, defaultPriority(RecordKind::kUsage),
                            usagePayload(h)));
  }
  REQUIRE(Outbox::enqueue(db, RecordKind::kFlag, defaultPriority(RecordKind::kFlag),
                          "{\"flag\":\"streaming\"}"));

  auto first = Outbox::takeBatch(db, "d-1", 2, 1 << 20);
  REQUIRE(first);
  CHECK(first->records == 2);
  auto parsed = parseJsonObject(first->json);
  REQUIRE(parsed);
  CHECK((*parsed)->getValue<std::string>("device_id") == "d-1");
  CHECK((*parsed)->getArray("records")->getObject(0)->getValue<std::string>("kind") == "flag");
  CHECK(canonicalJson(*parsed) == first->json);

  // Not acknowledged: the retry is the same batch, byte for byte.
  auto retry = Outbox::takeBatch(db, "d-1", 2, 1 << 20);
  REQUIRE(retry);
  CHECK(retry->batchId == first->batchId);
  CHECK(retry->json == first->json);

  REQUIRE(Outbox::acknowledge(db, first->batchId));
  auto rest = Outbox::takeBatch(db, "d-1", 10, 1 << 20);
  REQUIRE(rest);
  CHECK(rest->batchId != first->batchId);
  CHECK(rest->records == 2);
  REQUIRE(Outbox::release(db, rest->batchId));
  CHECK(count(db, "batch_id IS NOT NULL") == 0);
  // A byte limit cuts batches, but a batch always carries at least one record.
  auto small = Outbox::takeBatch(db, "d-1", 10, 10);
  REQUIRE(small);
  CHECK(small->records == 1);
  REQUIRE(Outbox::acknowledge(db, small->batchId));
  auto stats = Outbox::stats(db);
  REQUIRE(stats);
  CHECK(stats->rows == 1);
  CHECK(stats->oldest.has_value());
}

TEST_CASE("over budget the oldest usage summaries go first, other kinds never", "[report]") {
  test::TempDir dir;
  auto db = openOutbox(dir);
  REQUIRE(Outbox::enqueue(db, RecordKind::kAnchor, 20,
                          "{\"seq\":1,\"pad\":\"" + std::string(300, 'a') + "\"}"));
  for (int h = 0; h < 10; ++h)
    REQUIRE(Outbox::enqueue(db, RecordKind::kUsage, 30, usagePayload(h)));
  REQUIRE(Outbox::enqueue(db, RecordKind::kFlag, 10, "{\"flag\":\"x\"}"));
  REQUIRE(Outbox::enqueue(db, RecordKind::kCertificate, 0, "{\"certificate\":\"y\"}"));
  auto stats = Outbox::stats(db);
  REQUIRE(stats);

  // A budget that only three usage summaries beyond the rest fit in.
  const int64_t usageBytes = static_cast<int64_t>(usagePayload(0).size());
  auto outcome = Outbox::enforceBudget(db, stats->bytes - 7 * usageBytes);
  REQUIRE(outcome);
  CHECK(outcome->droppedRows == 7);
  CHECK(count(db, "kind = 'usage'") == 3);
  CHECK(count(db, "kind = 'usage' AND payload LIKE '%T17:00%'") == 1);  // the newest stays
  CHECK(count(db, "kind = 'usage' AND payload LIKE '%T10:00%'") == 0);  // the oldest went

  // Even a budget of nothing keeps flags, anchors and certificates.
  auto all = Outbox::enforceBudget(db, 0);
  REQUIRE(all);
  CHECK(all->droppedRows == 3);
  CHECK(count(db, "kind != 'usage'") == 3);
  auto none = Outbox::enforceBudget(db, 1 << 20);
  REQUIRE(none);
  CHECK(none->droppedRows == 0);
}

TEST_CASE("a progress snapshot replaces the one still waiting, not the one travelling",
          "[report]") {
  test::TempDir dir;
  auto db = openOutbox(dir);
  const auto progress = RecordKind::kOffboardProgress;
  REQUIRE(Outbox::replaceWaiting(db, progress, defaultPriority(progress), "{\"n\":1}"));
  REQUIRE(Outbox::replaceWaiting(db, progress, defaultPriority(progress), "{\"n\":2}"));
  REQUIRE(Outbox::enqueue(db, RecordKind::kFlag, 10, "{\"flag\":\"x\"}"));
  CHECK(count(db, "kind = 'offboard-progress'") == 1);
  CHECK(count(db, "kind = 'offboard-progress' AND payload = '{\"n\":2}'") == 1);

  // Taken into a batch (after certificates, before flags), it stays until acknowledged.
  auto batch = Outbox::takeBatch(db, "dev-1", 1, 1 << 20);
  REQUIRE(batch);
  CHECK(batch->json.find("\"kind\":\"offboard-progress\"") != std::string::npos);
  REQUIRE(Outbox::replaceWaiting(db, progress, defaultPriority(progress), "{\"n\":3}"));
  CHECK(count(db, "kind = 'offboard-progress'") == 2);
  REQUIRE(Outbox::acknowledge(db, batch->batchId));
  CHECK(count(db, "kind = 'offboard-progress' AND payload = '{\"n\":3}'") == 1);
  CHECK(count(db, "kind = 'flag'") == 1);
}
