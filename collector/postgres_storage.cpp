#include "collector/postgres_storage.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "collector/collector_service.h"
#include "collector/storage_rows.h"
#include "collector/storage_schema.h"

namespace tillid::collector {
namespace {

using pg::Row;
using pg::Session;

// A batch's records as one JSON array, so that one statement stores them all (a
// round trip per record would make large batches slow).
std::string recordsJson(const ReportBatch& batch) {
  Poco::JSON::Array rows;
  for (const auto& r : batch.records) {
    Poco::JSON::Object::Ptr o =
        r.usage ? usageJson(*r.usage) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
    o->set("id", r.id);
    o->set("kind", r.kind);
    o->set("time", r.time);
    o->set("payload", r.payload);
    rows.add(o);
  }
  std::ostringstream out;
  rows.stringify(out);
  return out.str();
}

// Records already present (delivered before in another batch) are skipped; usage records
// that went in add to their key's row (docs/protocol.md), summed per key first since one
// statement may update a row only once. Returns the number of records added.
constexpr const char* kInsertRecords = R"sql(
WITH input AS (
  SELECT * FROM json_to_recordset($2::json) AS r(
    id TEXT, kind TEXT, "time" TEXT, payload TEXT, hour TEXT, "user" TEXT, application TEXT,
    destination TEXT, service TEXT, category TEXT, connections BIGINT, bytes_in BIGINT,
    bytes_out BIGINT, active_seconds BIGINT)
), added AS (
  INSERT INTO records (device_id, record_id, kind, time, payload, received)
  SELECT $1, id, kind, "time", payload, $3 FROM input
  ON CONFLICT DO NOTHING RETURNING record_id
), added_usage AS (
  INSERT INTO usage (device_id, hour, "user", application, destination, service, category,
                     connections, bytes_in, bytes_out, active_seconds)
  SELECT $1, i.hour, i."user", i.application, i.destination, i.service, i.category,
         SUM(i.connections), SUM(i.bytes_in), SUM(i.bytes_out), LEAST(3600, SUM(i.active_seconds))
  FROM input i JOIN added a ON a.record_id = i.id WHERE i.hour IS NOT NULL
  GROUP BY i.hour, i."user", i.application, i.destination, i.service, i.category
  ON CONFLICT (device_id, hour, "user", application, destination, service, category) DO UPDATE
  SET connections = usage.connections + excluded.connections,
      bytes_in = usage.bytes_in + excluded.bytes_in,
      bytes_out = usage.bytes_out + excluded.bytes_out,
      active_seconds = LEAST(3600, usage.active_seconds + excluded.active_seconds)
  RETURNING 1
)
SELECT (SELECT COUNT(*) FROM added), (SELECT COUNT(*) FROM added_usage)
)sql";

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status importTokens(const std::vector<EnrollmentToken>& tokens) override {
    return pool_->transaction([&](Session& s) -> Status {
      for (const auto& t : tokens) {
        TILLID_RETURN_IF_ERROR(
            s.exec("INSERT INTO enrollment_tokens (sha256, max_uses, expires) VALUES ($1, $2, $3)"
                   " ON CONFLICT (sha256) DO NOTHING",
                   {t.sha256, pg::param(t.maxUses),
                    t.expires ? formatTimestamp(*t.expires) : std::string()})
                .status());
      }
      return Status::ok();
    });
  }

  Result<EnrollOutcome> enrollDevice(const std::string& tokenSha256, TimePoint now,
                                     const Device& device) override {
    EnrollOutcome outcome = EnrollOutcome::kUnknownToken;
    Status done = pool_->transaction([&](Session& s) -> Status {
      // The row lock makes concurrent enrollments with one token (from any collector)
      // take their turns, so no use is counted twice.
      auto token = s.exec(
          "SELECT max_uses, uses, expires FROM enrollment_tokens WHERE sha256 = $1 FOR UPDATE",
          {tokenSha256});
      if (!token) return token.status();
      if (token->size() == 0) {
        outcome = EnrollOutcome::kUnknownToken;
        return Status::ok();
      }
      outcome = tokenOutcome(token->int64(0, 0), token->int64(0, 1), token->text(0, 2), now);
      if (outcome != EnrollOutcome::kEnrolled) return Status::ok();
      TILLID_RETURN_IF_ERROR(
          s.exec("UPDATE enrollment_tokens SET uses = uses + 1 WHERE sha256 = $1", {tokenSha256})
              .status());
      return s
          .exec(
              "INSERT INTO devices (id, hostname, enrolled_at, certificate_serial, "
              "certificate_expires) VALUES ($1, $2, $3, $4, $5)",
              {device.id, device.hostname, device.enrolledAt, device.certificateSerial,
               device.certificateExpires})
          .status();
    });
    if (!done) return done;
    return outcome;
  }

  Status renewDevice(const std::string& deviceId, const std::string& serial,
                     const std::string& expires) override {
    return pool_->transaction([&](Session& s) -> Status {
      auto updated = s.exec(
          "UPDATE devices SET certificate_serial = $1, certificate_expires = $2"
          " WHERE id = $3 AND retired = ''",
          {serial, expires, deviceId});
      if (!updated) return updated.status();
      if (updated->affected() == 0) {
        return Status::error(ErrorCode::kNotFound, "unknown device " + deviceId);
      }
      return Status::ok();
    });
  }

  Result<std::optional<Device>> device(const std::string& deviceId) override {
    auto list = deviceList(" WHERE id = $1", {deviceId});
    if (!list) return list.status();
    if (list->empty()) return std::optional<Device>();
    return std::optional<Device>(list->front());
  }

  Result<std::vector<Device>> devices() override {
    return deviceList(" WHERE retired = '' ORDER BY id", {});
  }

  Status retireDevice(const std::string& deviceId, const std::string& reason,
                      TimePoint now) override {
    const std::string at = formatTimestamp(now);
    return pool_->transaction([&](Session& s) -> Status {
      auto device = s.exec(
          "SELECT certificate_serial, retired FROM devices WHERE id = $1 FOR UPDATE", {deviceId});
      if (!device) return device.status();
      if (device->size() == 0)
        return Status::error(ErrorCode::kNotFound, "unknown device " + deviceId);
      if (!device->text(0, 1).empty()) return Status::ok();
      TILLID_RETURN_IF_ERROR(
          s.exec("UPDATE devices SET retired = $1 WHERE id = $2", {at, deviceId}).status());
      return insertRevocation(s, {device->text(0, 0), deviceId, at, reason});
    });
  }

  Status revokeCertificate(const RevokedCertificate& revoked) override {
    return pool_->transaction([&](Session& s) { return insertRevocation(s, revoked); });
  }

  Result<std::optional<RevokedCertificate>> revocation(const std::string& serial) override {
    auto list =
        pool_->select<RevokedCertificate>(std::string("SELECT ") + kRevocationColumns +
                                              " FROM revoked_certificates WHERE serial = $1",
                                          {serial}, readRevocation<Row>);
    if (!list) return list.status();
    if (list->empty()) return std::optional<RevokedCertificate>();
    return std::optional<RevokedCertificate>(list->front());
  }

  Result<std::vector<RevokedCertificate>> revocations() override {
    return pool_->select<RevokedCertificate>(std::string("SELECT ") + kRevocationColumns +
                                                 " FROM revoked_certificates"
                                                 " ORDER BY revoked_at DESC, serial",
                                             {}, readRevocation<Row>);
  }

  Result<BatchOutcome> storeBatch(const ReportBatch& batch, TimePoint now) override {
    BatchOutcome outcome = BatchOutcome::kStored;
    const std::string received = formatTimestamp(now);
    Status done = pool_->transaction([&](Session& s) -> Status {
      // The batch's key first: a second collector storing the same batch waits on the
      // unique key until this transaction ends, then finds it.
      auto claimed = s.exec(
          "INSERT INTO batches (device_id, idempotency_key, sha256, received, records) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
          {batch.deviceId, batch.idempotencyKey, batch.sha256, received,
           pg::param(static_cast<int64_t>(batch.records.size()))});
      if (!claimed) return claimed.status();
      if (claimed->affected() == 0) {
        auto known =
            s.exec("SELECT sha256 FROM batches WHERE device_id = $1 AND idempotency_key = $2",
                   {batch.deviceId, batch.idempotencyKey});
        if (!known) return known.status();
        outcome = repeatedBatchOutcome(known->size() ? known->text(0, 0) : "", batch.sha256);
        return Status::ok();
      }
      outcome = BatchOutcome::kStored;
      auto added = s.exec(kInsertRecords, {batch.deviceId, recordsJson(batch), received});
      if (!added) return added.status();
      return s
          .exec(
              "UPDATE devices SET last_seen = $1, batches = batches + 1, records = records + $2"
              " WHERE id = $3",
              {received, pg::param(added->int64(0, 0)), batch.deviceId})
          .status();
    });
    if (!done) return done;
    return outcome;
  }

  Result<std::vector<UsageRecord>> usage(const std::string& deviceId, int64_t limit) override {
    return pool_->select<UsageRecord>(std::string("SELECT ") + kUsageColumns +
                                          " FROM usage WHERE device_id = $1"
                                          " ORDER BY hour DESC, bytes_in + bytes_out DESC LIMIT $2",
                                      {deviceId, pg::param(limit)}, readUsage<Row>);
  }

  Result<int64_t> recordCount(const std::string& deviceId, const std::string& kind) override {
    auto counts =
        pool_->select<int64_t>("SELECT COUNT(*) FROM records WHERE device_id = $1 AND kind = $2",
                               {deviceId, kind}, [](const Row& r) { return r.int64(0); });
    if (!counts) return counts.status();
    return counts->front();
  }

  Result<std::vector<StoredRecord>> records(const std::string& deviceId, const std::string& kind,
                                            int64_t limit) override {
    return pool_->select<StoredRecord>(
        std::string("SELECT ") + kRecordColumns +
            " FROM records WHERE ($1 = '' OR device_id = $1) AND kind = $2"
            " ORDER BY time DESC LIMIT $3",
        {deviceId, kind, pg::param(limit)}, readRecord<Row>);
  }

  Result<RetentionDeleted> deleteExpired(TimePoint usageBefore, TimePoint flagsBefore) override {
    RetentionDeleted deleted;
    Status done = pool_->transaction([&](Session& s) -> Status {
      auto rows = s.exec("DELETE FROM usage WHERE hour < $1", {hourStartLabel(usageBefore)});
      if (!rows) return rows.status();
      deleted.usageRows = rows->affected();
      auto usageRecords = s.exec("DELETE FROM records WHERE kind = 'usage' AND time < $1",
                                 {formatTimestamp(usageBefore)});
      if (!usageRecords) return usageRecords.status();
      deleted.usageRecords = usageRecords->affected();
      auto flags = s.exec("DELETE FROM records WHERE kind = 'flag' AND time < $1",
                          {formatTimestamp(flagsBefore)});
      if (!flags) return flags.status();
      deleted.flagRecords = flags->affected();
      return Status::ok();
    });
    if (!done) return done;
    return deleted;
  }

 private:
  static Status insertRevocation(Session& s, const RevokedCertificate& r) {
    return s
        .exec(
            "INSERT INTO revoked_certificates (serial, device_id, revoked_at, reason)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (serial) DO NOTHING",
            {r.serial, r.deviceId, r.revokedAt, r.reason})
        .status();
  }

  Result<std::vector<Device>> deviceList(const std::string& where,
                                         const std::vector<std::string>& params) {
    return pool_->select<Device>(std::string("SELECT ") + kDeviceColumns + " FROM devices" + where,
                                 params, readDevice<Row>);
  }

  const std::shared_ptr<pg::Pool> pool_;
};

}  // namespace

Result<std::unique_ptr<Storage>> openPostgresStorage(std::shared_ptr<pg::Pool> pool) {
  TILLID_RETURN_IF_ERROR(pg::migrate(*pool, {collectorSchema(kPostgresDialect)}));
  return std::unique_ptr<Storage>(std::make_unique<PostgresStorage>(std::move(pool)));
}

}  // namespace tillid::collector
