#pragma once
// What the storage backends (SQLite, PostgreSQL) share about rows: the column lists of
// their SELECTs and the readers that turn one row into a struct. A row is anything with
// text(column) and int64(column): store::Statement, pg::Row.

#include "collector/storage.h"
#include "collector/task_store.h"

namespace tillid::collector {

// "user" is quoted: it is a reserved word in PostgreSQL (SQLite accepts the quotes too).
inline constexpr const char* kDeviceColumns =
    "id, hostname, enrolled_at, certificate_serial, certificate_expires, last_seen, batches, "
    "records, retired";
inline constexpr const char* kUsageColumns =
    "hour, \"user\", application, destination, service, category, connections, bytes_in, "
    "bytes_out, active_seconds";
inline constexpr const char* kRevocationColumns = "serial, device_id, revoked_at, reason";
inline constexpr const char* kRecordColumns = "device_id, record_id, kind, time, payload";
inline constexpr const char* kTaskColumns =
    "id, device_id, type, purpose, case_ref, requested_by, role, params, signed_order, created, "
    "state, delivered_at, answered_at, reason, result";
inline constexpr const char* kAccessColumns =
    "time, actor, role, action, device_id, purpose, case_ref, details";

template <typename Row>
Device readDevice(const Row& r) {
  return {r.text(0), r.text(1),  r.text(2),  r.text(3), r.text(4),
          r.text(5), r.int64(6), r.int64(7), r.text(8)};
}

template <typename Row>
UsageRecord readUsage(const Row& r) {
  return {r.text(0), r.text(1),  r.text(2),  r.text(3),  r.text(4),
          r.text(5), r.int64(6), r.int64(7), r.int64(8), r.int64(9)};
}

template <typename Row>
RevokedCertificate readRevocation(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3)};
}

template <typename Row>
StoredRecord readRecord(const Row& r) {
  return {r.text(0), {r.text(1), r.text(2), r.text(3), r.text(4), std::nullopt}};
}

template <typename Row>
StoredTask readTask(const Row& r) {
  StoredTask t;
  t.id = r.text(0);
  t.deviceId = r.text(1);
  t.type = r.text(2);
  t.purpose = r.text(3);
  t.caseRef = r.text(4);
  t.requestedBy = r.text(5);
  t.role = r.text(6);
  t.params = r.text(7);
  t.order = r.text(8);
  t.created = r.text(9);
  t.state = r.text(10);
  t.deliveredAt = r.text(11);
  t.answeredAt = r.text(12);
  t.reason = r.text(13);
  t.result = r.text(14);
  return t;
}

template <typename Row>
AccessRecord readAccess(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7)};
}

// The decisions both backends take the same way, whatever their SQL.

// The `hour` label ("YYYY-MM-DDTHH:00:00Z", as agents send it) of the hour holding `t`:
// every usage row labelled before it ended by `t`.
inline std::string hourStartLabel(TimePoint t) {
  return formatTimestamp(t).substr(0, 13) + ":00:00Z";
}

// kEnrolled when a token with these counts and expiry ("" = none) may be used at `now`.
inline EnrollOutcome tokenOutcome(int64_t maxUses, int64_t uses, const std::string& expires,
                                  TimePoint now) {
  if (uses >= maxUses) return EnrollOutcome::kTokenExhausted;
  if (!expires.empty() && expires <= formatTimestamp(now)) return EnrollOutcome::kTokenExpired;
  return EnrollOutcome::kEnrolled;
}

// A batch whose (device, key) is already stored with `storedSha256`.
inline BatchOutcome repeatedBatchOutcome(const std::string& storedSha256,
                                         const std::string& sha256) {
  return storedSha256 == sha256 ? BatchOutcome::kDuplicate : BatchOutcome::kConflict;
}

// Whether a task in `state` still waits for the device's answer.
inline bool isOpenTask(const std::string& state) {
  return state == "queued" || state == "delivered";
}

}  // namespace tillid::collector
