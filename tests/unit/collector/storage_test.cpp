// The Storage contract, run against every backend (SQLite and PostgreSQL).

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "collector/collector_retention.h"
#include "protocol/report_batch.h"
#include "tests/unit/collector/storage_backends.h"

using namespace tillid;
using namespace tillid::collector;

namespace {

ReportBatch batchOf(const std::string& device, const std::string& key,
                    std::vector<std::string> recordIds, const std::string& sha = "s1") {
  ReportBatch batch{device, key, sha, {}};
  for (const auto& id : recordIds) {
    UsageRecord usage{
        "2026-11-20T10:00:00Z", "alice", "firefox", "example.org", "TLS", "Web", 1, 2, 3, 4};
    batch.records.push_back({id, "usage", "2026-11-20T11:00:00Z", "{}", usage});
  }
  return batch;
}

Device device(const std::string& id) {
  return {id, "host", "2026-11-20T10:00:00Z", "01", "2027-01-01T00:00:00Z", "", 0, 0, ""};
}

}  // namespace

TEST_CASE("storage: tokens are limited by count and time, atomically with enrollment",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
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
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
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
  // The three records are additions to one key: one row, each counted once.
  auto usage = s.usage("d-1", 100);
  REQUIRE(usage);
  REQUIRE(usage->size() == 1);
  CHECK(usage->at(0).connections == 3);
  CHECK(usage->at(0).bytesIn == 6);
  CHECK(usage->at(0).bytesOut == 9);
  CHECK(usage->at(0).activeSeconds == 12);
  CHECK((*s.device("d-1"))->batches == 2);
  CHECK((*s.device("d-1"))->records == 3);
  // The other collector sees the same keys.
  CHECK(*backend.peerStorage().storeBatch(batchOf("d-1", "b-2", {"u-2", "u-3"}, "s3"), now) ==
        BatchOutcome::kDuplicate);
}

TEST_CASE("storage: a late addition to an hour merges into its key, re-sent records do not",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
  const TimePoint now = WallClock::now();
  REQUIRE(s.importTokens({{std::string(64, 'a'), 1, std::nullopt}}));
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), now, device("d-1")) == EnrollOutcome::kEnrolled);
  auto record = [](const std::string& id, const std::string& hour, int64_t bytes, int64_t seconds) {
    UsageRecord usage{hour, "alice", "firefox", "example.org", "TLS", "Web", 1, bytes, 1, seconds};
    return ReportRecord{id, "usage", hour, "{}", usage};
  };
  const std::string later = "2026-11-20T11:00:00Z";
  const std::string earlier = "2026-11-20T09:00:00Z";
  REQUIRE(*s.storeBatch({"d-1", "b-1", "s1", {record("u-1", later, 100, 3000)}}, now) ==
          BatchOutcome::kStored);
  // An earlier hour after a later one, and in the same batch two additions to the later
  // hour (the second pushes its active seconds past the hour's 3600).
  const ReportBatch late{
      "d-1",
      "b-2",
      "s2",
      {record("u-2", earlier, 50, 10), record("u-3", later, 7, 500), record("u-4", later, 3, 500)}};
  REQUIRE(*s.storeBatch(late, now) == BatchOutcome::kStored);
  REQUIRE(*s.storeBatch(late, now) == BatchOutcome::kDuplicate);
  // The same records under a new key (a resend after a lost answer) change nothing.
  const ReportBatch again{"d-1", "b-3", "s3", late.records};
  REQUIRE(*s.storeBatch(again, now) == BatchOutcome::kStored);
  REQUIRE(*backend.peerStorage().storeBatch(again, now) == BatchOutcome::kDuplicate);
  auto usage = s.usage("d-1", 10);
  REQUIRE(usage);
  REQUIRE(usage->size() == 2);
  CHECK(usage->at(0).hour == later);
  CHECK(usage->at(0).connections == 3);
  CHECK(usage->at(0).bytesIn == 110);
  CHECK(usage->at(0).bytesOut == 3);
  CHECK(usage->at(0).activeSeconds == 3600);
  CHECK(usage->at(1).hour == earlier);
  CHECK(usage->at(1).bytesIn == 50);
  CHECK(*s.recordCount("d-1", "usage") == 4);
}

TEST_CASE("storage: records and usage read back newest first, per device or all", "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
  const TimePoint now = WallClock::now();
  REQUIRE(s.importTokens({{std::string(64, 'a'), 2, std::nullopt}}));
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), now, device("d-1")) == EnrollOutcome::kEnrolled);
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), now, device("d-2")) == EnrollOutcome::kEnrolled);
  ReportBatch batch{"d-1", "b-1", "s1", {}};
  batch.records.push_back({"f-1", "flag", "2026-11-20T09:00:00Z", R"({"kind":"streaming"})", {}});
  batch.records.push_back({"f-2", "flag", "2026-11-20T12:00:00Z", R"({"n":2})", {}});
  batch.records.push_back({"a-1", "anchor", "2026-11-20T12:00:00Z", "{}", {}});
  UsageRecord early{
      "2026-11-20T08:00:00Z", "alice", "firefox", "a.example", "TLS", "Web", 1, 10, 10, 5};
  UsageRecord late{
      "2026-11-20T10:00:00Z", "bob", "teams", "b.example", "QUIC", "Chat", 2, 7000000000, 1, 6};
  batch.records.push_back({"u-1", "usage", "2026-11-20T09:00:00Z", "{}", early});
  batch.records.push_back({"u-2", "usage", "2026-11-20T11:00:00Z", "{}", late});
  REQUIRE(*s.storeBatch(batch, now) == BatchOutcome::kStored);
  ReportBatch other{"d-2", "b-1", "s1", {}};
  other.records.push_back({"f-1", "flag", "2026-11-20T10:00:00Z", "{}", {}});
  REQUIRE(*s.storeBatch(other, now) == BatchOutcome::kStored);

  auto flags = s.records("d-1", "flag", 10);
  REQUIRE(flags);
  REQUIRE(flags->size() == 2);
  CHECK(flags->at(0).record.id == "f-2");
  CHECK(flags->at(0).record.payload == R"({"n":2})");
  CHECK(flags->at(1).deviceId == "d-1");
  auto everyone = s.records("", "flag", 10);
  REQUIRE(everyone);
  REQUIRE(everyone->size() == 3);
  CHECK(everyone->at(1).deviceId == "d-2");
  CHECK(s.records("", "flag", 1)->size() == 1);
  CHECK(*s.recordCount("d-1", "anchor") == 1);
  CHECK(*s.recordCount("d-2", "usage") == 0);

  auto usage = s.usage("d-1", 10);
  REQUIRE(usage);
  REQUIRE(usage->size() == 2);
  CHECK(usage->at(0).user == "bob");
  CHECK(usage->at(0).bytesIn == 7000000000);
  CHECK(usage->at(1).destination == "a.example");
  CHECK(usage->at(1).activeSeconds == 5);
  auto devices = s.devices();
  REQUIRE(devices);
  REQUIRE(devices->size() == 2);
  CHECK(devices->at(0).id == "d-1");
  CHECK(devices->at(0).records == 5);
  CHECK(devices->at(0).lastSeen == formatTimestamp(now));
}

TEST_CASE("storage: concurrent enrollments and uploads count each use and batch once",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  const TimePoint now = WallClock::now();
  REQUIRE(backend.storage().importTokens({{std::string(64, 'a'), 5, std::nullopt}}));
  // Half the threads go through the other collector's handle.
  std::atomic<int> enrolled{0};
  std::atomic<int> stored{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      Storage& s = i % 2 ? backend.peerStorage() : backend.storage();
      auto outcome = s.enrollDevice(std::string(64, 'a'), now, device("d-" + std::to_string(i)));
      if (!outcome) ++failures;
      if (outcome && *outcome == EnrollOutcome::kEnrolled) ++enrolled;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(enrolled == 5);
  const std::string first = backend.storage().devices()->front().id;
  threads.clear();
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      Storage& s = i % 2 ? backend.peerStorage() : backend.storage();
      auto outcome = s.storeBatch(batchOf(first, "b-1", {"u-1", "u-2", "u-3"}), now);
      if (!outcome) ++failures;
      if (outcome && *outcome == BatchOutcome::kStored) ++stored;
      if (outcome && *outcome == BatchOutcome::kDuplicate) ++duplicates;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(stored == 1);
  CHECK(duplicates == 11);
  CHECK(*backend.storage().recordCount(first, "usage") == 3);
  CHECK((*backend.storage().device(first))->batches == 1);
}

TEST_CASE("batch parser refuses malformed batches with the reason", "[collector]") {
  const std::string record =
      R"({"id":"u-1","kind":"usage","time":"2026-11-20T11:00:00Z","payload":{"hour":"h",)"
      R"("user":"u","application":"a","destination":"d","service":"s","category":"c",)"
      R"("connections":1,"bytes_in":2,"bytes_out":3,"active_seconds":4}})";
  auto good = report::parseReportBatch(
      R"({"device_id":"d-1","batch_id":"b-1","records":[)" + record + "]}", 10);
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
    auto parsed = report::parseReportBatch(json, 10);
    REQUIRE(!parsed);
    CHECK(parsed.status().message().find(reason) != std::string::npos);
  }
  auto tooMany = report::parseReportBatch(
      R"({"device_id":"d-1","batch_id":"b-1","records":[)" + record + "]}", 0);
  CHECK(!tooMany);
}

TEST_CASE("storage: a retired device leaves the list, its certificate revoked, its data kept",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
  const TimePoint now = WallClock::now();
  REQUIRE(s.importTokens({{std::string(64, 'a'), 5, std::nullopt}}));
  for (const char* id : {"d-1", "d-2"}) {
    Device d = device(id);
    d.certificateSerial = std::string("AB") + id;
    REQUIRE(s.enrollDevice(std::string(64, 'a'), now, d));
  }
  REQUIRE(s.storeBatch(batchOf("d-1", "k1", {"r1"}), now));

  REQUIRE(s.retireDevice("d-1", "stolen", now));
  auto active = s.devices();
  REQUIRE(active);
  REQUIRE(active->size() == 1);
  CHECK(active->front().id == "d-2");
  auto retired = backend.peerStorage().device("d-1");
  REQUIRE(retired);
  REQUIRE(retired->has_value());
  CHECK((*retired)->retired == formatTimestamp(now));
  auto revoked = backend.peerStorage().revocation("ABd-1");
  REQUIRE(revoked);
  REQUIRE(revoked->has_value());
  CHECK((*revoked)->deviceId == "d-1");
  CHECK((*revoked)->reason == "stolen");
  auto usage = s.usage("d-1", 10);
  REQUIRE(usage);
  CHECK(usage->size() == 1);  // until retention removes it

  // A retired device renews no more; retiring again changes nothing; unknown is kNotFound.
  CHECK(s.renewDevice("d-1", "CD", "2028-01-01T00:00:00Z").code() == ErrorCode::kNotFound);
  REQUIRE(s.retireDevice("d-1", "again", now + std::chrono::hours(1)));
  auto list = s.revocations();
  REQUIRE(list);
  CHECK(list->size() == 1);
  CHECK(s.retireDevice("d-9", "", now).code() == ErrorCode::kNotFound);
}

TEST_CASE("storage: revoked certificates are listed once, newest first", "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
  auto none = s.revocation("01");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE(s.revokeCertificate({"01", "", "2026-11-20T10:00:00Z", "left"}));
  REQUIRE(s.revokeCertificate({"02", "d-1", "2026-11-21T10:00:00Z", "lost"}));
  REQUIRE(s.revokeCertificate({"01", "", "2026-11-22T10:00:00Z", "twice"}));
  auto list = backend.peerStorage().revocations();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].serial == "02");
  CHECK((*list)[1].reason == "left");
}

TEST_CASE("storage: retention deletes expired usage and flags, keeps anchors and certificates",
          "[collector][retention]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  Storage& s = backend.storage();
  const TimePoint now = *parseTimestamp("2026-11-25T16:30:00Z");
  REQUIRE(s.importTokens({{std::string(64, 'a'), 2, std::nullopt}}));
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), now, device("d-1")) == EnrollOutcome::kEnrolled);
  REQUIRE(*s.enrollDevice(std::string(64, 'a'), now, device("d-2")) == EnrollOutcome::kEnrolled);
  auto usage = [](const std::string& id, const std::string& hour, const std::string& time) {
    UsageRecord u{hour, "alice", "firefox", "example.org", "TLS", "Web", 1, 10, 10, 5};
    return ReportRecord{id, "usage", time, "{}", u};
  };
  // 180 days before `now` is 2026-05-29T16:30Z; flags are kept 30 days (until 2026-10-26).
  ReportBatch old{"d-1", "b-1", "s1", {}};
  old.records.push_back(usage("u-1", "2026-05-29T15:00:00Z", "2026-05-29T16:15:00.000000Z"));
  old.records.push_back(usage("u-2", "2026-05-29T16:00:00Z", "2026-05-29T17:15:00.000000Z"));
  old.records.push_back({"f-1", "flag", "2026-10-01T10:00:00.000000Z", "{}", {}});
  old.records.push_back({"f-2", "flag", "2026-11-01T10:00:00.000000Z", "{}", {}});
  old.records.push_back({"a-1", "anchor", "2026-01-01T10:00:00.000000Z", "{}", {}});
  old.records.push_back({"c-1", "certificate", "2026-01-01T10:00:00.000000Z", "{}", {}});
  old.records.push_back({"p-1", "offboard-progress", "2026-01-01T10:00:00.000000Z", "{}", {}});
  REQUIRE(*s.storeBatch(old, now) == BatchOutcome::kStored);
  ReportBatch other{"d-2", "b-1", "s1", {}};
  other.records.push_back(usage("u-1", "2026-01-01T00:00:00Z", "2026-01-01T01:15:00.000000Z"));
  REQUIRE(*s.storeBatch(other, now) == BatchOutcome::kStored);

  const CollectorRetentionSettings settings{180, 30, std::chrono::hours(1)};
  auto deleted = applyCollectorRetention(s, backend.tasks(), settings, now);
  REQUIRE(deleted);
  CHECK(deleted->usageRows == 2);  // d-1's ended hour and d-2's
  CHECK(deleted->usageRecords == 2);
  CHECK(deleted->flagRecords == 1);
  auto kept = s.usage("d-1", 10);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  CHECK(kept->at(0).hour == "2026-05-29T16:00:00Z");  // straddles the limit
  CHECK(s.usage("d-2", 10)->empty());
  CHECK(*s.recordCount("d-1", "usage") == 1);
  CHECK(*s.recordCount("d-2", "usage") == 0);
  auto flags = s.records("d-1", "flag", 10);
  REQUIRE(flags->size() == 1);
  CHECK(flags->at(0).record.id == "f-2");
  CHECK(*s.recordCount("d-1", "anchor") == 1);
  CHECK(*s.recordCount("d-1", "certificate") == 1);
  CHECK(*s.recordCount("d-1", "offboard-progress") == 1);

  // The access log holds the counts, never what was deleted.
  auto log = backend.tasks().accessLog("", 10);
  REQUIRE(log);
  REQUIRE(log->size() == 1);
  CHECK(log->at(0).actor == "collector");
  CHECK(log->at(0).action == "retention.deleted");
  CHECK(log->at(0).details.find("\"usage_rows\":2") != std::string::npos);
  CHECK(log->at(0).details.find("\"usage_records\":2") != std::string::npos);
  CHECK(log->at(0).details.find("\"flag_records\":1") != std::string::npos);
  CHECK(log->at(0).details.find("example.org") == std::string::npos);

  // Nothing more expired: nothing deleted, nothing logged.
  deleted = applyCollectorRetention(s, backend.tasks(), settings, now);
  REQUIRE(deleted);
  CHECK(deleted->usageRows + deleted->usageRecords + deleted->flagRecords == 0);
  CHECK(backend.tasks().accessLog("", 10)->size() == 1);
}
