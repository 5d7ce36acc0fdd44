#include "collector/sqlite_storage.h"

#include <mutex>
#include <tuple>

#include "collector/storage_rows.h"
#include "collector/storage_schema.h"
#include "store/store.h"

namespace tillid::collector {
namespace {

using store::Database;
using store::Transaction;

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(Database db) : db_(std::move(db)) {}

  Status importTokens(const std::vector<EnrollmentToken>& tokens) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto insert = db_.prepare(
        "INSERT OR IGNORE INTO enrollment_tokens (sha256, max_uses, expires) VALUES (?, ?, ?)");
    if (!insert) return insert.status();
    for (const auto& t : tokens) {
      insert->reset();
      insert->bind(1, t.sha256)
          .bind(2, t.maxUses)
          .bind(3, t.expires ? formatTimestamp(*t.expires) : std::string());
      TILLID_RETURN_IF_ERROR(insert->run());
    }
    return tx.commit();
  }

  Result<EnrollOutcome> enrollDevice(const std::string& tokenSha256, TimePoint now,
                                     const Device& device) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto token =
        db_.prepare("SELECT max_uses, uses, expires FROM enrollment_tokens WHERE sha256 = ?");
    if (!token) return token.status();
    token->bind(1, tokenSha256);
    auto row = token->step();
    if (!row) return row.status();
    if (!*row) return EnrollOutcome::kUnknownToken;
    const EnrollOutcome outcome =
        tokenOutcome(token->int64(0), token->int64(1), token->text(2), now);
    if (outcome != EnrollOutcome::kEnrolled) return outcome;

    auto use = db_.prepare("UPDATE enrollment_tokens SET uses = uses + 1 WHERE sha256 = ?");
    if (!use) return use.status();
    TILLID_RETURN_IF_ERROR(use->bind(1, tokenSha256).run());
    auto insert = db_.prepare(
        "INSERT INTO devices (id, hostname, enrolled_at, certificate_serial, "
        "certificate_expires) VALUES (?, ?, ?, ?, ?)");
    if (!insert) return insert.status();
    TILLID_RETURN_IF_ERROR(insert->bind(1, device.id)
                               .bind(2, device.hostname)
                               .bind(3, device.enrolledAt)
                               .bind(4, device.certificateSerial)
                               .bind(5, device.certificateExpires)
                               .run());
    TILLID_RETURN_IF_ERROR(tx.commit());
    return EnrollOutcome::kEnrolled;
  }

  Status renewDevice(const std::string& deviceId, const std::string& serial,
                     const std::string& expires) override {
    std::lock_guard lock(mutex_);
    auto update = db_.prepare(
        "UPDATE devices SET certificate_serial = ?, certificate_expires = ? "
        "WHERE id = ? AND retired = ''");
    if (!update) return update.status();
    TILLID_RETURN_IF_ERROR(update->bind(1, serial).bind(2, expires).bind(3, deviceId).run());
    if (db_.changes() == 0) {
      return Status::error(ErrorCode::kNotFound, "unknown device " + deviceId);
    }
    return Status::ok();
  }

  Result<std::optional<Device>> device(const std::string& deviceId) override {
    std::lock_guard lock(mutex_);
    auto select =
        db_.prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE id = ?");
    if (!select) return select.status();
    select->bind(1, deviceId);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<Device>();
    return std::optional<Device>(readDevice(*select));
  }

  Result<std::vector<Device>> devices() override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare(std::string("SELECT ") + kDeviceColumns +
                              " FROM devices WHERE retired = '' ORDER BY id");
    if (!select) return select.status();
    std::vector<Device> out;
    while (true) {
      auto row = select->step();
      if (!row) return row.status();
      if (!*row) break;
      out.push_back(readDevice(*select));
    }
    return out;
  }

  Status retireDevice(const std::string& deviceId, const std::string& reason,
                      TimePoint now) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto select = db_.prepare("SELECT certificate_serial, retired FROM devices WHERE id = ?");
    if (!select) return select.status();
    select->bind(1, deviceId);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return Status::error(ErrorCode::kNotFound, "unknown device " + deviceId);
    if (!select->text(1).empty()) return Status::ok();
    const std::string serial = select->text(0);
    const std::string at = formatTimestamp(now);
    auto retire = db_.prepare("UPDATE devices SET retired = ? WHERE id = ?");
    if (!retire) return retire.status();
    TILLID_RETURN_IF_ERROR(retire->bind(1, at).bind(2, deviceId).run());
    TILLID_RETURN_IF_ERROR(insertRevocation({serial, deviceId, at, reason}));
    return tx.commit();
  }

  Status revokeCertificate(const RevokedCertificate& revoked) override {
    std::lock_guard lock(mutex_);
    return insertRevocation(revoked);
  }

  Result<std::optional<RevokedCertificate>> revocation(const std::string& serial) override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare(std::string("SELECT ") + kRevocationColumns +
                              " FROM revoked_certificates WHERE serial = ?");
    if (!select) return select.status();
    select->bind(1, serial);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return std::optional<RevokedCertificate>();
    return std::optional<RevokedCertificate>(readRevocation(*select));
  }

  Result<std::vector<RevokedCertificate>> revocations() override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare(std::string("SELECT ") + kRevocationColumns +
                              " FROM revoked_certificates ORDER BY revoked_at DESC, serial");
    if (!select) return select.status();
    std::vector<RevokedCertificate> out;
    while (true) {
      auto row = select->step();
      if (!row) return row.status();
      if (!*row) return out;
      out.push_back(readRevocation(*select));
    }
  }

  Result<BatchOutcome> storeBatch(const ReportBatch& batch, TimePoint now) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto known =
        db_.prepare("SELECT sha256 FROM batches WHERE device_id = ? AND idempotency_key = ?");
    if (!known) return known.status();
    known->bind(1, batch.deviceId).bind(2, batch.idempotencyKey);
    auto row = known->step();
    if (!row) return row.status();
    if (*row) {
      return repeatedBatchOutcome(known->text(0), batch.sha256);
    }
    const std::string received = formatTimestamp(now);
    auto insertRecord = db_.prepare(
        "INSERT OR IGNORE INTO records (device_id, record_id, kind, time, payload, received) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    // A usage record adds to its key's row (docs/protocol.md): a late addition to an hour
    // merges; a record seen before never reaches this point.
    auto insertUsage = db_.prepare(
        "INSERT INTO usage (device_id, hour, \"user\", application, destination, service, "
        "category, connections, bytes_in, bytes_out, active_seconds) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (device_id, hour, \"user\", application, destination, service, category) "
        "DO UPDATE SET connections = connections + excluded.connections, "
        "bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out, "
        "active_seconds = min(3600, active_seconds + excluded.active_seconds)");
    if (!insertRecord) return insertRecord.status();
    if (!insertUsage) return insertUsage.status();
    int64_t added = 0;
    for (const auto& r : batch.records) {
      insertRecord->reset();
      TILLID_RETURN_IF_ERROR(insertRecord->bind(1, batch.deviceId)
                                 .bind(2, r.id)
                                 .bind(3, r.kind)
                                 .bind(4, r.time)
                                 .bind(5, r.payload)
                                 .bind(6, received)
                                 .run());
      if (db_.changes() == 0) continue;  // delivered before in another batch
      ++added;
      if (!r.usage) continue;
      const UsageRecord& u = *r.usage;
      insertUsage->reset();
      TILLID_RETURN_IF_ERROR(insertUsage->bind(1, batch.deviceId)
                                 .bind(2, u.hour)
                                 .bind(3, u.user)
                                 .bind(4, u.application)
                                 .bind(5, u.destination)
                                 .bind(6, u.service)
                                 .bind(7, u.category)
                                 .bind(8, u.connections)
                                 .bind(9, u.bytesIn)
                                 .bind(10, u.bytesOut)
                                 .bind(11, u.activeSeconds)
                                 .run());
    }
    auto insertBatch = db_.prepare(
        "INSERT INTO batches (device_id, idempotency_key, sha256, received, records) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!insertBatch) return insertBatch.status();
    TILLID_RETURN_IF_ERROR(insertBatch->bind(1, batch.deviceId)
                               .bind(2, batch.idempotencyKey)
                               .bind(3, batch.sha256)
                               .bind(4, received)
                               .bind(5, static_cast<int64_t>(batch.records.size()))
                               .run());
    auto seen = db_.prepare(
        "UPDATE devices SET last_seen = ?, batches = batches + 1, records = records + ? "
        "WHERE id = ?");
    if (!seen) return seen.status();
    TILLID_RETURN_IF_ERROR(seen->bind(1, received).bind(2, added).bind(3, batch.deviceId).run());
    TILLID_RETURN_IF_ERROR(tx.commit());
    return BatchOutcome::kStored;
  }

  Result<std::vector<UsageRecord>> usage(const std::string& deviceId, int64_t limit) override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare(std::string("SELECT ") + kUsageColumns +
                              " FROM usage WHERE device_id = ? "
                              "ORDER BY hour DESC, bytes_in + bytes_out DESC LIMIT ?");
    if (!select) return select.status();
    select->bind(1, deviceId).bind(2, limit);
    std::vector<UsageRecord> out;
    while (true) {
      auto row = select->step();
      if (!row) return row.status();
      if (!*row) break;
      out.push_back(readUsage(*select));
    }
    return out;
  }

  Result<int64_t> recordCount(const std::string& deviceId, const std::string& kind) override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare("SELECT COUNT(*) FROM records WHERE device_id = ? AND kind = ?");
    if (!select) return select.status();
    select->bind(1, deviceId).bind(2, kind);
    auto row = select->step();
    if (!row) return row.status();
    return select->int64(0);
  }

  Result<std::vector<StoredRecord>> records(const std::string& deviceId, const std::string& kind,
                                            int64_t limit) override {
    std::lock_guard lock(mutex_);
    auto select = db_.prepare(std::string("SELECT ") + kRecordColumns +
                              " FROM records WHERE (? = '' OR device_id = ?) AND kind = ?"
                              " ORDER BY time DESC LIMIT ?");
    if (!select) return select.status();
    select->bind(1, deviceId).bind(2, deviceId).bind(3, kind).bind(4, limit);
    std::vector<StoredRecord> out;
    while (true) {
      auto row = select->step();
      if (!row) return row.status();
      if (!*row) return out;
      out.push_back(readRecord(*select));
    }
  }

  Result<RetentionDeleted> deleteExpired(TimePoint usageBefore, TimePoint flagsBefore) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    RetentionDeleted deleted;
    for (const auto& [sql, bound, count] :
         {std::tuple<const char*, std::string, int64_t*>{
              "DELETE FROM usage WHERE hour < ?", hourStartLabel(usageBefore), &deleted.usageRows},
          {"DELETE FROM records WHERE kind = 'usage' AND time < ?", formatTimestamp(usageBefore),
           &deleted.usageRecords},
          {"DELETE FROM records WHERE kind = 'flag' AND time < ?", formatTimestamp(flagsBefore),
           &deleted.flagRecords}}) {
      auto remove = db_.prepare(sql);
      if (!remove) return remove.status();
      TILLID_RETURN_IF_ERROR(remove->bind(1, bound).run());
      *count = db_.changes();
    }
    TILLID_RETURN_IF_ERROR(tx.commit());
    return deleted;
  }

 private:
  // REQUIRES: mutex_ held.
  Status insertRevocation(const RevokedCertificate& r) {
    auto insert = db_.prepare(
        "INSERT OR IGNORE INTO revoked_certificates (serial, device_id, revoked_at, reason) "
        "VALUES (?, ?, ?, ?)");
    if (!insert) return insert.status();
    return insert->bind(1, r.serial)
        .bind(2, r.deviceId)
        .bind(3, r.revokedAt)
        .bind(4, r.reason)
        .run();
  }

  std::mutex mutex_;
  Database db_;  // GUARDED_BY(mutex_)
};

}  // namespace

Result<std::unique_ptr<Storage>> openSqliteStorage(const std::string& path) {
  auto opened = store::openStore(path, {collectorSchema(kSqliteDialect)});
  if (!opened) return opened.status();
  return std::unique_ptr<Storage>(std::make_unique<SqliteStorage>(std::move(opened->db)));
}

}  // namespace tillid::collector
