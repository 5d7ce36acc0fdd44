#include "agent/service/retention.h"

#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>

#include "agent/audit/audit_log.h"
#include "agent/core/agent_config.h"
#include "agent/report/outbox.h"
#include "agent/service/agent.h"
#include "agent/service/schema.h"
#include "agent/usage/usage_aggregator.h"
#include "common/canonical_json.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using tillid::test::TempDir;

namespace {

// 180 days before kNow is 2026-05-29T16:30Z.
const TimePoint kNow = *parseTimestamp("2026-11-25T16:30:00Z");

void exec(store::Database& db, const std::string& sql) {
  INFO(sql);
  REQUIRE(db.exec(sql).isOk());
}

void insertRow(store::Database& db, const std::string& hour, const std::string& destination,
               bool sent = false) {
  auto insert = db.prepare(
      "INSERT INTO usage_hourly(hour, user, application, destination, service, category,"
      " connections, bytes_in, bytes_out, active_seconds)"
      " VALUES(?1, 'anna', 'firefox', ?2, 'TLS', 'Web', 1, 100, 10, 1)");
  REQUIRE(insert.isOk());
  REQUIRE(insert->bind(1, hour).bind(2, destination).run().isOk());
  if (sent) {
    exec(db,
         "UPDATE usage_hourly SET sent_connections = connections, sent_bytes_in = bytes_in,"
         " sent_bytes_out = bytes_out, sent_active_seconds = active_seconds"
         " WHERE destination = '" +
             destination + "'");
  }
}

void insertFlag(store::Database& db, const std::string& id, const std::string& end,
                const std::string& state) {
  exec(db,
       "INSERT INTO flags(id, user, kind, service, session_id, start, end, duration_s, avg_mbps,"
       " peak_mbps, bytes, evidence, raised_at, state) VALUES('" +
           id +
           "', 'anna', 'ica-video',"
           " 'ica', 's1', '" +
           end + "', '" + end + "', 60, 9.5, 12.0, 1000, '[]', '" + end + "', '" + state + "')");
}

void insertSession(store::Database& db, const std::string& id, const std::string& start,
                   const std::string& end) {
  exec(db,
       "INSERT INTO citrix_sessions(id, user, server, sources, start, end, bytes_from_server,"
       " bytes_to_server, peak_mbps) VALUES('" +
           id + "', 'anna', 'ctx.example', 'ports', '" + start + "', " +
           (end.empty() ? "NULL" : "'" + end + "'") + ", 1, 1, 1.0)");
}

void enqueue(store::Database& db, report::RecordKind kind, Poco::JSON::Object::Ptr payload) {
  REQUIRE(report::Outbox::enqueue(db, kind, report::defaultPriority(kind), canonicalJson(payload))
              .isOk());
}

// Sends everything waiting in the outbox and has the collector acknowledge it.
void acknowledgeOutbox(store::Database& db) {
  store::Transaction tx(db);
  auto batch = report::Outbox::takeBatch(db, "d-1", 100000, 1 << 30);
  REQUIRE(batch.isOk());
  if (!batch->batchId.empty()) REQUIRE(report::Outbox::acknowledge(db, batch->batchId).isOk());
  REQUIRE(tx.commit().isOk());
}

std::vector<std::string> column(store::Database& db, const std::string& sql) {
  auto select = db.prepare(sql);
  REQUIRE(select.isOk());
  std::vector<std::string> out;
  while (*select->step()) out.push_back(select->text(0));
  return out;
}

std::vector<audit::Entry> entriesOf(store::Database& db, const std::string& action) {
  auto all = audit::entries(db);
  REQUIRE(all.isOk());
  std::vector<audit::Entry> out;
  for (const auto& e : *all) {
    if (e.action == action) out.push_back(e);
  }
  return out;
}

Poco::JSON::Object::Ptr detailsOf(const audit::Entry& entry) {
  auto details = parseJsonObject(entry.details);
  REQUIRE(details.isOk());
  return *details;
}

RetentionRule ruleNamed(bool reportsToCollector, const std::string& name) {
  auto config = loadAgentConfig(std::nullopt, {});
  REQUIRE(config.isOk());
  for (auto& rule : retentionRules(*config, reportsToCollector)) {
    if (rule.name == name) return rule;
  }
  FAIL("no retention rule " << name);
  return {};
}

RetentionOutcome apply(store::Database& db, const RetentionRule& rule, TimePoint now = kNow) {
  store::Transaction tx(db);
  auto outcome = applyRetention(db, rule, now);
  REQUIRE(outcome.isOk());
  REQUIRE(tx.commit().isOk());
  return *outcome;
}

store::Database openAgentStore(TempDir& dir) {
  auto opened = store::openStore(dir.file("agent.db"), agentSchemaModules());
  REQUIRE(opened.isOk());
  return std::move(opened->db);
}

bool verifies(store::Database& db) {
  auto verification = audit::verify(db);
  REQUIRE(verification.isOk());
  if (verification->firstProblem) INFO(verification->firstProblem->message);
  return !verification->firstProblem.has_value();
}

}  // namespace

TEST_CASE("retention deletes exactly the expired rows and logs the count", "[retention]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  insertRow(db, "2026-01-01T00:00:00Z", "old.example");
  insertRow(db, "2026-05-29T15:00:00Z", "ended-before-limit.example");
  insertRow(db, "2026-05-29T16:00:00Z", "straddles-limit.example");
  insertRow(db, "2026-05-29T17:00:00Z", "after-limit.example");
  insertRow(db, "2026-11-25T16:00:00Z", "now.example");
  const RetentionRule rule = ruleNamed(false, "usage");

  CHECK(apply(db, rule).deleted == 2);
  CHECK(column(db, "SELECT hour FROM usage_hourly ORDER BY hour") ==
        std::vector<std::string>{"2026-05-29T16:00:00Z", "2026-05-29T17:00:00Z",
                                 "2026-11-25T16:00:00Z"});
  auto entries = entriesOf(db, "usage.retention");
  REQUIRE(entries.size() == 1);
  const auto details = detailsOf(entries[0]);
  CHECK(details->getValue<int64_t>("deleted_rows") == 2);
  CHECK(details->getValue<int64_t>("kept_unsent") == 0);
  CHECK(details->getValue<int64_t>("keep_days") == 180);
  CHECK(details->getValue<std::string>("deleted_before") == "2026-05-29T16:00:00Z");
  // The log says how many, never what: no destination of a deleted row appears in it.
  CHECK(entries[0].details.find("example") == std::string::npos);

  // Nothing more to delete: no entry.
  CHECK(apply(db, rule).deleted == 0);
  CHECK(entriesOf(db, "usage.retention").size() == 1);
  CHECK(verifies(db));
}

TEST_CASE("rows the collector has not received stay however old, and are counted", "[retention]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  // Usage: one never put in the outbox, one waiting there, one delivered.
  insertRow(db, "2026-01-01T00:00:00Z", "unsent.example");
  insertRow(db, "2026-01-01T01:00:00Z", "waiting.example", true);
  insertRow(db, "2026-01-01T02:00:00Z", "delivered.example", true);
  Poco::JSON::Object::Ptr usage = new Poco::JSON::Object;
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"hour", "2026-01-01T01:00:00Z"},
                                                        {"user", "anna"},
                                                        {"application", "firefox"},
                                                        {"destination", "waiting.example"},
                                                        {"service", "TLS"},
                                                        {"category", "Web"}}) {
    usage->set(key, value);
  }
  enqueue(db, report::RecordKind::kUsage, usage);
  // Flags: one still open, one whose record waits in the outbox, one delivered, one recent.
  insertFlag(db, "f-open", "2026-02-01T10:00:00.000000Z", "open");
  insertFlag(db, "f-waiting", "2026-02-01T11:00:00.000000Z", "closed");
  insertFlag(db, "f-delivered", "2026-02-01T12:00:00.000000Z", "closed");
  insertFlag(db, "f-recent", "2026-11-01T12:00:00.000000Z", "closed");
  Poco::JSON::Object::Ptr flag = new Poco::JSON::Object;
  flag->set("id", "f-waiting");
  enqueue(db, report::RecordKind::kFlag, flag);
  // Sessions are not uploaded: an ended one and one never ended go by age alone.
  insertSession(db, "s-ended", "2026-02-01T09:00:00.000000Z", "2026-02-01T13:00:00.000000Z");
  insertSession(db, "s-never-ended", "2026-02-01T09:00:00.000000Z", "");
  insertSession(db, "s-running", "2026-11-25T09:00:00.000000Z", "");

  const RetentionRule usageRule = ruleNamed(true, "usage");
  const RetentionRule flagsRule = ruleNamed(true, "flags");
  const RetentionRule sessionsRule = ruleNamed(true, "sessions");
  auto outcome = apply(db, usageRule);
  CHECK(outcome.deleted == 1);
  CHECK(outcome.keptUnsent == 2);
  outcome = apply(db, flagsRule);
  CHECK(outcome.deleted == 1);
  CHECK(outcome.keptUnsent == 2);
  outcome = apply(db, sessionsRule);
  CHECK(outcome.deleted == 2);
  CHECK(outcome.keptUnsent == 0);
  CHECK(column(db, "SELECT destination FROM usage_hourly ORDER BY hour") ==
        std::vector<std::string>{"unsent.example", "waiting.example"});
  CHECK(column(db, "SELECT id FROM flags ORDER BY id") ==
        std::vector<std::string>{"f-open", "f-recent", "f-waiting"});
  CHECK(column(db, "SELECT id FROM citrix_sessions") == std::vector<std::string>{"s-running"});

  auto usageEntries = entriesOf(db, "usage.retention");
  REQUIRE(usageEntries.size() == 1);
  CHECK(detailsOf(usageEntries[0])->getValue<int64_t>("kept_unsent") == 2);
  auto flagEntries = entriesOf(db, "flags.retention");
  REQUIRE(flagEntries.size() == 1);
  CHECK(detailsOf(flagEntries[0])->getValue<int64_t>("deleted_rows") == 1);
  CHECK(detailsOf(flagEntries[0])->getValue<int64_t>("kept_unsent") == 2);
  CHECK(detailsOf(flagEntries[0])->getValue<std::string>("table") == "flags");
  CHECK(entriesOf(db, "sessions.retention").size() == 1);

  // An hour later nothing changed: the same rows wait, and the log does not repeat it.
  CHECK(apply(db, usageRule, kNow + std::chrono::hours(1)).keptUnsent == 2);
  CHECK(entriesOf(db, "usage.retention").size() == 1);

  // The collector acknowledged them, the flag ended: now they go too.
  acknowledgeOutbox(db);
  exec(db, "UPDATE flags SET state = 'closed' WHERE id = 'f-open'");
  exec(db,
       "UPDATE usage_hourly SET sent_connections = connections, sent_bytes_in = bytes_in,"
       " sent_bytes_out = bytes_out, sent_active_seconds = active_seconds");
  outcome = apply(db, usageRule);
  CHECK(outcome.deleted == 2);
  CHECK(outcome.keptUnsent == 0);
  outcome = apply(db, flagsRule);
  CHECK(outcome.deleted == 2);
  CHECK(outcome.keptUnsent == 0);
  CHECK(column(db, "SELECT id FROM flags") == std::vector<std::string>{"f-recent"});
  usageEntries = entriesOf(db, "usage.retention");
  REQUIRE(usageEntries.size() == 2);
  CHECK(detailsOf(usageEntries[1])->getValue<int64_t>("deleted_rows") == 2);
  CHECK(detailsOf(usageEntries[1])->getValue<int64_t>("kept_unsent") == 0);
  CHECK(verifies(db));
}

TEST_CASE("a device that reports nowhere deletes unsent rows at the limit", "[retention]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  insertRow(db, "2026-01-01T00:00:00Z", "unsent.example");
  insertFlag(db, "f-open", "2026-02-01T10:00:00.000000Z", "open");
  CHECK(apply(db, ruleNamed(false, "usage")).deleted == 1);
  CHECK(apply(db, ruleNamed(false, "flags")).deleted == 1);
}

namespace {

// Appends `n` entries dated `time` and returns the head after them.
audit::ChainHead appendAt(store::Database& db, const std::string& time, int n) {
  std::optional<audit::ChainHead> last;
  for (int i = 0; i < n; ++i) {
    Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
    details->set("i", i);
    auto entry = audit::append(db, "agent", "test.event", details, *parseTimestamp(time));
    REQUIRE(entry.isOk());
    last = audit::ChainHead{entry->seq, entry->hash};
  }
  return *last;
}

// The uploader's anchor for `head`, delivered and acknowledged.
void anchorAcknowledged(store::Database& db, const audit::ChainHead& head) {
  Poco::JSON::Object::Ptr anchor = new Poco::JSON::Object;
  anchor->set("seq", head.seq);
  anchor->set("hash", head.hash);
  enqueue(db, report::RecordKind::kAnchor, anchor);
  acknowledgeOutbox(db);
}

}  // namespace

TEST_CASE("security-log retention deletes up to an acknowledged anchor and keeps verifying",
          "[retention][audit]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  appendAt(db, "2026-01-10T08:00:00.000000Z", 5);
  const audit::ChainHead january = appendAt(db, "2026-01-20T08:00:00.000000Z", 5);
  anchorAcknowledged(db, january);
  // Old too, but after the last anchor the collector acknowledged: these wait for one.
  const audit::ChainHead february = appendAt(db, "2026-02-01T08:00:00.000000Z", 3);
  appendAt(db, "2026-11-20T08:00:00.000000Z", 4);
  const RetentionRule rule = ruleNamed(true, "security_log");

  auto outcome = apply(db, rule);
  CHECK(outcome.deleted == january.seq);
  CHECK(outcome.keptUnsent == 3);
  auto checkpoint = audit::checkpoint(db);
  REQUIRE(checkpoint.isOk());
  REQUIRE(checkpoint->has_value());
  CHECK((*checkpoint)->seq == january.seq);
  CHECK((*checkpoint)->hash == january.hash);

  // The kept chain starts at the checkpoint and verifies; the deletion is its own entry.
  auto verification = audit::verify(db);
  REQUIRE(verification.isOk());
  CHECK_FALSE(verification->firstProblem.has_value());
  REQUIRE(verification->checkpoint.has_value());
  CHECK(verification->checkpoint->hash == january.hash);
  CHECK(verification->entries == 3 + 4 + 1);
  auto first = audit::entries(db, 0, 1);
  REQUIRE(first.isOk());
  CHECK((*first)[0].seq == january.seq + 1);
  CHECK((*first)[0].prevHash == january.hash);
  auto logged = entriesOf(db, "security_log.retention");
  REQUIRE(logged.size() == 1);
  const auto details = detailsOf(logged[0]);
  CHECK(details->getValue<int64_t>("deleted_rows") == january.seq);
  CHECK(details->getValue<int64_t>("kept_unsent") == 3);
  CHECK(details->getValue<int64_t>("checkpoint_seq") == january.seq);
  CHECK(details->getValue<std::string>("checkpoint_hash") == january.hash);

  // A later anchor covers February: the next run moves the checkpoint there.
  auto head = audit::head(db);
  REQUIRE(head.isOk());
  anchorAcknowledged(db, **head);
  anchorAcknowledged(db, february);
  outcome = apply(db, rule);
  CHECK(outcome.deleted == 3);
  CHECK(outcome.keptUnsent == 0);
  checkpoint = audit::checkpoint(db);
  CHECK((*checkpoint)->seq == february.seq);
  CHECK(verifies(db));

  SECTION("an edited kept entry is still found") {
    exec(db, "UPDATE audit_log SET details = '{\"i\":9}' WHERE seq = " +
                 std::to_string(february.seq + 2));
    verification = audit::verify(db);
    REQUIRE(verification.isOk());
    REQUIRE(verification->firstProblem.has_value());
    CHECK(verification->firstProblem->kind == audit::Tamper::kEdited);
    CHECK(verification->firstProblem->seq == february.seq + 2);
    // Retention does not remove the evidence.
    store::Transaction tx(db);
    CHECK_FALSE(applyRetention(db, rule, kNow + std::chrono::hours(24 * 300)).isOk());
  }
  SECTION("the first kept entry deleted is found at the checkpoint") {
    exec(db, "DELETE FROM audit_log WHERE seq = " + std::to_string(february.seq + 1));
    verification = audit::verify(db);
    REQUIRE(verification.isOk());
    REQUIRE(verification->firstProblem.has_value());
    CHECK(verification->firstProblem->kind == audit::Tamper::kDeleted);
    CHECK(verification->firstProblem->seq == february.seq + 1);
  }
  SECTION("a checkpoint moved over kept entries breaks the chain") {
    exec(db, "UPDATE audit_checkpoint SET seq = seq + 1");
    CHECK_FALSE(verifies(db));
  }
}

TEST_CASE("a prefix cut to an anchored entry without a retention entry is a deletion",
          "[retention][audit]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  const audit::ChainHead anchored = appendAt(db, "2026-11-20T08:00:00.000000Z", 5);
  appendAt(db, "2026-11-20T09:00:00.000000Z", 3);
  // What retention would leave, done by hand: the checkpoint matches an anchor, but no
  // kept entry says retention made it.
  exec(db, "DELETE FROM audit_log WHERE seq <= " + std::to_string(anchored.seq));
  exec(db, "INSERT INTO audit_checkpoint(id, seq, hash) VALUES(1, " + std::to_string(anchored.seq) +
               ", '" + anchored.hash + "')");
  auto verification = audit::verify(db);
  REQUIRE(verification.isOk());
  REQUIRE(verification->firstProblem.has_value());
  CHECK(verification->firstProblem->kind == audit::Tamper::kDeleted);
  CHECK(verification->firstProblem->seq == anchored.seq);
  CHECK_THAT(verification->firstProblem->message, Catch::Contains("security_log.retention"));
}

TEST_CASE("without an acknowledged anchor the security log keeps everything",
          "[retention][audit]") {
  TempDir dir;
  store::Database db = openAgentStore(dir);
  appendAt(db, "2026-01-10T08:00:00.000000Z", 4);
  // An anchor the chain does not hold at that position is no checkpoint.
  anchorAcknowledged(db, {2, std::string(64, 'a')});
  auto outcome = apply(db, ruleNamed(true, "security_log"));
  CHECK(outcome.deleted == 0);
  CHECK(outcome.keptUnsent >= 4);
  auto checkpoint = audit::checkpoint(db);
  REQUIRE(checkpoint.isOk());
  CHECK_FALSE(checkpoint->has_value());
  CHECK(verifies(db));
}

TEST_CASE("the running agent applies retention.usage_days", "[retention]") {
  TempDir dir;
  const StatePaths paths{dir.path()};
  const std::string today = usage::hourLabel(toMicros(WallClock::now()));
  {
    auto opened = store::openStore(paths.database(), agentSchemaModules());
    REQUIRE(opened.isOk());
    insertRow(opened->db, "2020-01-01T00:00:00Z", "old.example");
    insertRow(opened->db, today, "now.example");
  }
  auto config = loadAgentConfig(std::nullopt, {"retention.usage_days=30", "health.interval_ms=0"});
  REQUIRE(config.isOk());
  {
    auto services = platform::makePlatform("/");
    services.serviceNotifier = nullptr;  // not run as a service
    auto agent = Agent::start(*config, paths, services);
    REQUIRE(agent.isOk());
    (*agent)->stop("test");
  }
  auto db = store::Database::open(paths.database(), store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  CHECK(column(*db, "SELECT hour FROM usage_hourly") == std::vector<std::string>{today});
  auto entries = entriesOf(*db, "usage.retention");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].actor == "agent");
  CHECK_THAT(entries[0].details, Catch::Contains("\"deleted_rows\":1"));
}
