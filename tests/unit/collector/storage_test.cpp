// The Storage contract, run against every backend (SQLite here; PostgreSQL joins later).

#include <catch2/catch.hpp>

#include "collector/batch_parser.h"
#include "collector/sqlite_storage.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::collector;

namespace {

ReportBatch batchOf(const std::string& device, const std::string& key,
                    std::vector<std::string> recordIds, const std::string& sha = "s1") {
  ReportBatch batch{device, key, sha, {}};
  for (const auto& id : recordIds) {
    UsageRecord usage{"2026-11-20T10:00:00Z", "alice", "firefox", "example.org", "TLS", "Web",
                      1, 2, 3, 4};
    batch.records.push_back({id, "usage", "2026-11-20T11:00:00Z", "{}", usage});
  }
  return batch;
}

Device device(const std::string& id) {
  return {id, "host", "2026-11-20T10:00:00Z", "01", "2027-01-01T00:00:00Z", "", 0, 0};
}

}  // namespace

TEST_CASE("storage: tokens are limited by count and time, atomically with enrollment",
          "[collector]") {
  test::TempDir dir;
  auto storage = openSqliteStorage(dir.file("collector.db"));
  REQUIRE(storage);
  Storage& s = **storage;
  const TimePoint now = WallClock::now();
  REQUIRE(s.importTokens({{std::string(64, 'a'), 2, std::nullopt},
                          {std::string(64, 'b'), 5, now - std::chrono::hours(1)}}));
  // Importing again keeps the use counts.
  CHECK(*s.enrollDevice(std::string(64, 'a'), now, device("d-1")) == EnrollOutcome::kEnrolled);
  REQUIRE(s.importTokens({{std::string(64, 'a'), 2, std::nullopt}}));
  CHECK(*s.enrollDevice(std::string(64, 'a'), now, device("d-2")) == EnrollOutcome::kEnrolled);
  CHECK(*s.enrollDevice(std::string(64, 'a'), now, device("d-3")) ==
        EnrollOutcome::kTokenExhausted);
  CHECK(*s.enrollDevice(std::string(64, 'b'), now, device("d-4")) == EnrollOutcome::kTokenExpired);
  CHECK(*s.enrollDevice(std::string(64, 'c'), now, device("d-5")) == EnrollOutcome::kUnknownToken);
  auto all = s.devices();
  REQUIRE(all);
  CHECK(all->size() == 2);
  CHECK(!s.device("d-3")->has_value());
  CHECK(s.renewDevice("d-1", "02", "2028-01-01T00:00:00Z"));
  CHECK((*s.device("d-1"))->certificateSerial == "02");
  CHECK(s.renewDevice("d-9", "02", "x").code() == ErrorCode::kNotFound);
}

TEST_CASE("storage: a batch is stored exactly once per idempotency key", "[collector]") {
  test::TempDir dir;
  auto storage = openSqliteStorage(dir.file("collector.db"));
  REQUIRE(storage);
  Storage& s = **storage;
  REQUIRE(s.importTokens({{std::string(64, 'a'), 1, std::nullopt}}));
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), WallClock::now(), device("d-1")) ==
          EnrollOutcome::kEnrolled);
  const TimePoint now = WallClock::now();
  CHECK(*s.storeBatch(batchOf("d-1", "b-1", {"u-1", "u-2"}), now) == BatchOutcome::kStored);
  CHECK(*s.storeBatch(batchOf("d-1", "b-1", {"u-1", "u-2"}), now) == BatchOutcome::kDuplicate);
  CHECK(*s.storeBatch(batchOf("d-1", "b-1", {"u-3"}, "s2"), now) == BatchOutcome::kConflict);
  // Another key carrying an already stored record stores only the new one.
  CHECK(*s.storeBatch(batchOf("d-1", "b-2", {"u-2", "u-3"}, "s3"), now) == BatchOutcome::kStored);
  CHECK(*s.recordCount("d-1", "usage") == 3);
  auto usage = s.usage("d-1", 100);
  REQUIRE(usage);
  CHECK(usage->size() == 3);
  CHECK((*s.device("d-1"))->batches == 2);
  CHECK((*s.device("d-1"))->records == 3);
}

TEST_CASE("batch parser refuses malformed batches with the reason", "[collector]") {
  const std::string record =
      R"({"id":"u-1","kind":"usage","time":"2026-11-20T11:00:00Z","payload":{"hour":"h",)"
      R"("user":"u","application":"a","destination":"d","service":"s","category":"c",)"
      R"("connections":1,"bytes_in":2,"bytes_out":3,"active_seconds":4}})";
  auto good = parseBatch(R"({"device_id":"d-1","batch_id":"b-1","records":[)" + record + "]}", 10);
  REQUIRE(good);
  CHECK(good->records.size() == 1);
  CHECK(good->records[0].usage->bytesOut == 3);
  CHECK(good->sha256.size() == 64);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[1,2]", "not a JSON object"},
      {R"({"device_id":"d-1","records":[]})", "batch_id"},
      {R"({"device_id":"d-1","batch_id":"b 1","records":[]})", "valid identifier"},
      {R"({"device_id":"d-1","batch_id":"b-1","records":{}})", "must be an array"},
      {R"({"device_id":"d-1","batch_id":"b-1","records":[)" + record + "," + record + "]}",
       "duplicate id"},
      {R"({"device_id":"d-1","batch_id":"b-1","records":[{"id":"x","kind":"video",)"
       R"("time":"2026-11-20T11:00:00Z","payload":{}}]})",
       "unknown kind"},
      {R"({"device_id":"d-1","batch_id":"b-1","records":[{"id":"x","kind":"usage",)"
       R"("time":"2026-11-20T11:00:00Z","payload":{"hour":"h"}}]})",
       "'user' must be a string"},
      {R"({"device_id":"d-1","batch_id":"b-1","records":[{"id":"x","kind":"flag",)"
       R"("time":"yesterday","payload":{}}]})",
       "UTC timestamp"},
  };
  for (const auto& [json, reason] : bad) {
    INFO(json);
    auto parsed = parseBatch(json, 10);
    REQUIRE(!parsed);
    CHECK(parsed.status().message().find(reason) != std::string::npos);
  }
  auto tooMany = parseBatch(R"({"device_id":"d-1","batch_id":"b-1","records":[)" + record + "]}", 0);
  CHECK(!tooMany);
}
