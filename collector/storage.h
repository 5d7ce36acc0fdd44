#pragma once
// The collector's storage, behind one interface so that backends can be swapped: SQLite
// (sqlite_storage.h, one machine) now, PostgreSQL (several stateless collectors) later.
// Every method is one atomic transaction. Implementations are thread-safe: request
// handlers call them from many threads at once.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "protocol/report_batch.h"

namespace tillid::collector {

// What a device reports, as the protocol parses it.
using report::ReportBatch;
using report::ReportRecord;
using report::UsageRecord;

struct EnrollmentToken {
  std::string sha256;  // hex of the token; the token itself is never stored
  int64_t maxUses = 1;
  std::optional<TimePoint> expires;
};

struct Device {
  std::string id;
  std::string hostname;           // as the agent reported it at enrollment
  std::string enrolledAt;         // formatTimestamp
  std::string certificateSerial;  // of the current certificate
  std::string certificateExpires;
  std::string lastSeen;  // last accepted batch; "" before the first
  int64_t batches = 0;
  int64_t records = 0;
  std::string retired;  // formatTimestamp of the retirement; "" while the device is active
};

// A certificate the collector no longer accepts, whoever presents it.
struct RevokedCertificate {
  std::string serial;    // upper-case hex, as CertificateAuthority writes it
  std::string deviceId;  // "" for a certificate that is not a device's (an administrator's)
  std::string revokedAt;
  std::string reason;
};

// A stored record with the device that sent it.
struct StoredRecord {
  std::string deviceId;
  ReportRecord record;  // `usage` is not filled in
};

enum class BatchOutcome {
  kStored,     // first time: every record stored (records already present are skipped)
  kDuplicate,  // the same batch again: nothing changed
  kConflict,   // the key was used before for different content: nothing changed
};

// What one retention run deleted, over every device.
struct RetentionDeleted {
  int64_t usageRows = 0;     // hourly usage rows (the table the usage reads use)
  int64_t usageRecords = 0;  // the usage records they were summed from
  int64_t flagRecords = 0;
};

enum class EnrollOutcome { kEnrolled, kUnknownToken, kTokenExhausted, kTokenExpired };

class Storage {
 public:
  virtual ~Storage() = default;

  // Adds tokens not yet known (by sha256); known tokens keep their use counts.
  virtual Status importTokens(const std::vector<EnrollmentToken>& tokens) = 0;

  // Consumes one use of the token and registers the device, atomically. Nothing changes
  // unless the outcome is kEnrolled.
  virtual Result<EnrollOutcome> enrollDevice(const std::string& tokenSha256, TimePoint now,
                                             const Device& device) = 0;

  // Records a renewed certificate. kNotFound when the device is unknown or retired.
  virtual Status renewDevice(const std::string& deviceId, const std::string& serial,
                             const std::string& expires) = 0;

  // Any device, retired or not; nullopt when unknown.
  virtual Result<std::optional<Device>> device(const std::string& deviceId) = 0;
  // The devices that are not retired, by id.
  virtual Result<std::vector<Device>> devices() = 0;

  // Marks the device retired at `now` and revokes its current certificate, atomically.
  // Its records stay (retention removes them). kNotFound when the device is unknown;
  // retiring a retired device changes nothing.
  virtual Status retireDevice(const std::string& deviceId, const std::string& reason,
                              TimePoint now) = 0;
  // Adds the certificate to the revoked ones; revoking it again changes nothing.
  virtual Status revokeCertificate(const RevokedCertificate& revoked) = 0;
  // The revocation of the certificate with this serial, or nullopt.
  virtual Result<std::optional<RevokedCertificate>> revocation(const std::string& serial) = 0;
  // Every revocation, newest first.
  virtual Result<std::vector<RevokedCertificate>> revocations() = 0;

  // Stores a batch exactly once per (device, idempotency key).
  virtual Result<BatchOutcome> storeBatch(const ReportBatch& batch, TimePoint now) = 0;

  // The device's usage records, newest hour first, at most `limit`.
  virtual Result<std::vector<UsageRecord>> usage(const std::string& deviceId, int64_t limit) = 0;
  // How many records of `kind` the device has delivered.
  virtual Result<int64_t> recordCount(const std::string& deviceId, const std::string& kind) = 0;
  // Records of `kind` by time, newest first, at most `limit`; every device's when
  // `deviceId` is "".
  virtual Result<std::vector<StoredRecord>> records(const std::string& deviceId,
                                                    const std::string& kind, int64_t limit) = 0;

  // Retention, every device's: deletes the usage rows of hours that ended by `usageBefore`
  // and the usage records recorded before it, and the flag records recorded before
  // `flagsBefore`. Anchors, certificates and offboarding progress stay (docs/collector-storage.md).
  virtual Result<RetentionDeleted> deleteExpired(TimePoint usageBefore, TimePoint flagsBefore) = 0;
};

}  // namespace tillid::collector
