#include "agent/report/outbox.h"

#include <Poco/UUIDGenerator.h>

#include <vector>

#include "agent/audit/audit_log.h"
#include "common/canonical_json.h"
#include "protocol/report_batch.h"
#include "store/store.h"

namespace tillid::report {
namespace {

std::string newId(const char* prefix) {
  return prefix + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

Result<PendingBatch> buildBatch(store::Database& db, const std::string& deviceId,
                                const std::string& batchId) {
  auto select = db.prepare(
      "SELECT uid, kind, time, payload FROM outbox WHERE batch_id = ? ORDER BY priority, id");
  if (!select) return select.status();
  select->bind(1, batchId);
  std::vector<OutgoingRecord> records;
  while (true) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    auto payload = parseJsonObject(select->text(3));
    if (!payload) return payload.status().withContext("outbox payload " + select->text(0));
    records.push_back({select->text(0), select->text(1), select->text(2), *payload});
  }
  return PendingBatch{batchId, reportBatchJson(deviceId, batchId, records),
                      static_cast<int64_t>(records.size())};
}

}  // namespace

const char* recordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kUsage:
      return "usage";
    case RecordKind::kFlag:
      return "flag";
    case RecordKind::kAnchor:
      return "anchor";
    case RecordKind::kCertificate:
      return "certificate";
    case RecordKind::kOffboardProgress:
      return "offboard-progress";
  }
  return "unknown";
}

int defaultPriority(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCertificate:
      return 0;
    case RecordKind::kOffboardProgress:
      return 5;
    case RecordKind::kFlag:
      return 10;
    case RecordKind::kAnchor:
      return 20;
    case RecordKind::kUsage:
      return 30;
  }
  return 30;
}

store::SchemaModule reportSchema() {
  return {"report",
          {{"the outbox of records waiting for the collector",
            "CREATE TABLE outbox ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " uid TEXT NOT NULL UNIQUE,"  // the record's id at the collector
            " kind TEXT NOT NULL,"
            " priority INTEGER NOT NULL,"
            " time TEXT NOT NULL,"
            " payload TEXT NOT NULL,"
            " bytes INTEGER NOT NULL,"
            " batch_id TEXT"  // set while travelling in an unacknowledged batch
            ");"
            "CREATE INDEX outbox_by_batch ON outbox(batch_id);"
            "CREATE INDEX outbox_by_priority ON outbox(priority, id);"},
           store::personalTableMigration("outbox",
                                         std::string("NEW.kind NOT IN ") + kKindsKeptAfterReset)}};
}

Status Outbox::enqueue(store::Database& db, RecordKind kind, int priority,
                       const std::string& payload, TimePoint now) {
  auto insert = db.prepare(
      "INSERT INTO outbox (uid, kind, priority, time, payload, bytes) VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.status();
  return insert->bind(1, newId(kind == RecordKind::kUsage ? "u-" : "r-"))
      .bind(2, recordKindName(kind))
      .bind(3, static_cast<int64_t>(priority))
      .bind(4, formatTimestamp(now))
      .bind(5, payload)
      .bind(6, static_cast<int64_t>(payload.size()))
      .run();
}

Status Outbox::replaceWaiting(store::Database& db, RecordKind kind, int priority,
                              const std::string& payload, TimePoint now) {
  auto remove = db.prepare("DELETE FROM outbox WHERE kind = ? AND batch_id IS NULL");
  if (!remove) return remove.status();
  TILLID_RETURN_IF_ERROR(remove->bind(1, recordKindName(kind)).run());
  return enqueue(db, kind, priority, payload, now);
}

Result<PendingBatch> Outbox::takeBatch(store::Database& db, const std::string& deviceId,
                                       int64_t maxRecords, int64_t maxBytes) {
  auto open = db.queryText("SELECT batch_id FROM outbox WHERE batch_id IS NOT NULL LIMIT 1");
  if (!open) return open.status();
  if (open->has_value()) return buildBatch(db, deviceId, **open);

  // Most urgent and oldest first, cut where the running payload size passes maxBytes
  // (always at least one record, so a single large record still travels).
  auto select = db.prepare("SELECT id, bytes FROM outbox ORDER BY priority, id LIMIT ?");
  if (!select) return select.status();
  select->bind(1, maxRecords);
  int64_t total = 0;
  std::vector<int64_t> ids;
  while (true) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    if (!ids.empty() && total + select->int64(1) > maxBytes) break;
    total += select->int64(1);
    ids.push_back(select->int64(0));
  }
  select->reset();
  if (ids.empty()) return PendingBatch{};
  const std::string batchId = newId("b-");
  auto mark = db.prepare("UPDATE outbox SET batch_id = ? WHERE id = ?");
  if (!mark) return mark.status();
  for (const int64_t id : ids) {
    mark->reset();
    TILLID_RETURN_IF_ERROR(mark->bind(1, batchId).bind(2, id).run());
  }
  return buildBatch(db, deviceId, batchId);
}

Status Outbox::acknowledge(store::Database& db, const std::string& batchId) {
  // The anchors the collector now holds: security-log retention may delete up to them.
  auto anchors =
      db.prepare("SELECT uid, payload FROM outbox WHERE batch_id = ? AND kind = 'anchor'");
  if (!anchors) return anchors.status();
  anchors->bind(1, batchId);
  std::vector<audit::ChainHead> acknowledged;
  while (true) {
    auto row = anchors->step();
    if (!row) return row.status();
    if (!*row) break;
    auto payload = parseJsonObject(anchors->text(1));
    if (!payload) return payload.status().withContext("outbox anchor " + anchors->text(0));
    acknowledged.push_back(
        {(*payload)->getValue<int64_t>("seq"), (*payload)->getValue<std::string>("hash")});
  }
  anchors->reset();
  for (const auto& anchor : acknowledged) {
    TILLID_RETURN_IF_ERROR(audit::recordAcknowledgedAnchor(db, anchor));
  }
  auto remove = db.prepare("DELETE FROM outbox WHERE batch_id = ?");
  if (!remove) return remove.status();
  return remove->bind(1, batchId).run();
}

Status Outbox::release(store::Database& db, const std::string& batchId) {
  auto update = db.prepare("UPDATE outbox SET batch_id = NULL WHERE batch_id = ?");
  if (!update) return update.status();
  return update->bind(1, batchId).run();
}

Result<BudgetOutcome> Outbox::enforceBudget(store::Database& db, int64_t budgetBytes) {
  auto total = db.queryText("SELECT COALESCE(SUM(bytes), 0) FROM outbox");
  if (!total) return total.status();
  int64_t excess = std::stoll(total->value_or("0")) - budgetBytes;
  BudgetOutcome outcome;
  if (excess <= 0) return outcome;
  auto select = db.prepare(
      "SELECT id, bytes FROM outbox WHERE kind = 'usage' AND batch_id IS NULL ORDER BY id");
  auto remove = db.prepare("DELETE FROM outbox WHERE id = ?");
  if (!select) return select.status();
  if (!remove) return remove.status();
  std::vector<int64_t> victims;
  while (excess > 0) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    victims.push_back(select->int64(0));
    excess -= select->int64(1);
    outcome.droppedBytes += select->int64(1);
  }
  for (const int64_t id : victims) {
    remove->reset();
    TILLID_RETURN_IF_ERROR(remove->bind(1, id).run());
  }
  outcome.droppedRows = static_cast<int64_t>(victims.size());
  return outcome;
}

Result<OutboxStats> Outbox::stats(store::Database& db) {
  auto select = db.prepare("SELECT COUNT(*), COALESCE(SUM(bytes), 0), MIN(time) FROM outbox");
  if (!select) return select.status();
  auto row = select->step();
  if (!row) return row.status();
  OutboxStats stats;
  stats.rows = select->int64(0);
  stats.bytes = select->int64(1);
  if (!select->isNull(2)) stats.oldest = select->text(2);
  return stats;
}

}  // namespace tillid::report
