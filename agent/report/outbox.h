#pragma once
// The outbox: records waiting for the collector, in the agent's SQLite store (schema
// module "report"). It survives restarts and days offline. Each record has a kind and a
// priority; batches take the most urgent first. Rows leave the outbox only when the
// collector acknowledged the batch that carried them, or when the disk budget drops the
// oldest usage summaries (flags, anchors and certificates are never dropped).
//
// Every function takes the Database of the caller's transaction and is meant to run
// inside a store::Writer job, so that enqueuing commits together with whatever produced
// the record. Example, from any component holding the writer:
//
//   writer.submit([payload](store::Database& db) {
//     return report::Outbox::enqueue(db, report::RecordKind::kFlag,
//                                    report::defaultPriority(report::RecordKind::kFlag),
//                                    canonicalJson(payload));
//   });
//
// Not thread-safe by itself: the writer thread serialises all calls.

#include <cstdint>
#include <optional>
#include <string>

#include "common/time.h"
#include "store/database.h"
#include "store/migrations.h"

namespace tillid::report {

// kOffboardProgress: a snapshot of a running device reset, the latest replacing any still
// waiting (Outbox::replaceWaiting).
enum class RecordKind { kUsage, kFlag, kAnchor, kCertificate, kOffboardProgress };

// "usage", "flag", "anchor", "certificate", "offboard-progress"
const char* recordKindName(RecordKind kind);

// The records that are not about people, as an SQL list: they keep travelling after a
// reset closed personal records (store::closePersonalRecords) and erased the rest.
inline constexpr const char* kKindsKeptAfterReset = "('certificate', 'offboard-progress')";

// Lower is more urgent: certificate 0, offboard-progress 5, flag 10, anchor 20, usage 30.
int defaultPriority(RecordKind kind);

store::SchemaModule reportSchema();

struct OutboxStats {
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<std::string> oldest;  // time of the oldest waiting record
};

struct PendingBatch {
  std::string batchId;  // empty: nothing to send
  std::string json;     // canonical JSON of the batch (docs/protocol.md); same bytes on resend
  int64_t records = 0;
};

struct BudgetOutcome {
  int64_t droppedRows = 0;
  int64_t droppedBytes = 0;
};

class Outbox final {
 public:
  // Adds one record. REQUIRES: `payload` is a canonical JSON object.
  static Status enqueue(store::Database& db, RecordKind kind, int priority,
                        const std::string& payload, TimePoint now = WallClock::now());

  // Adds one record of `kind` and deletes the records of that kind still waiting (not
  // travelling in a batch): only the latest of a snapshot kind is ever sent.
  static Status replaceWaiting(store::Database& db, RecordKind kind, int priority,
                               const std::string& payload, TimePoint now = WallClock::now());

  // The batch to send next: the unacknowledged one if there is one (so a retry carries the
  // same records under the same idempotency key), otherwise a new one of at most
  // maxRecords records and about maxBytes of payload, most urgent and oldest first.
  static Result<PendingBatch> takeBatch(store::Database& db, const std::string& deviceId,
                                        int64_t maxRecords, int64_t maxBytes);
  // The collector stored the batch: its records leave the outbox, and its anchors are
  // recorded as acknowledged (audit::recordAcknowledgedAnchor).
  static Status acknowledge(store::Database& db, const std::string& batchId);
  // The batch was refused as too large: its records go back to wait for smaller batches.
  static Status release(store::Database& db, const std::string& batchId);

  // Over budgetBytes, deletes the oldest usage summaries not travelling in a batch until
  // the outbox fits. Never deletes other kinds. The caller records the outcome.
  static Result<BudgetOutcome> enforceBudget(store::Database& db, int64_t budgetBytes);

  static Result<OutboxStats> stats(store::Database& db);
};

}  // namespace tillid::report
