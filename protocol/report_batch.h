#pragma once
// The document a device POSTs to /v1/reports (docs/protocol.md), built and parsed in one
// place: the outbox's batches, the load generator's and the tests' hand-made ones are
// built here, and the collector parses what arrives here. Anything malformed is refused
// as a whole.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::report {

// One record as the device sends it.
struct OutgoingRecord {
  std::string id;    // unique per record at the collector ("u-…", "r-…")
  std::string kind;  // recordKindName()
  std::string time;  // formatTimestamp()
  Poco::JSON::Object::Ptr payload;
};

// {"batch_id", "device_id", "records": [{"id", "kind", "time", "payload"}, …]} as
// canonical JSON, before gzip.
std::string reportBatchJson(const std::string& deviceId, const std::string& batchId,
                            const std::vector<OutgoingRecord>& records);

// One hour of one user's use of one destination, as the agent summarises it.
struct UsageRecord {
  std::string hour;  // UTC hour start, formatTimestamp
  std::string user;
  std::string application;
  std::string destination;
  std::string service;
  std::string category;
  int64_t connections = 0;
  int64_t bytesIn = 0;
  int64_t bytesOut = 0;
  int64_t activeSeconds = 0;
};

struct ReportRecord {
  std::string id;       // unique per device, chosen by the agent
  std::string kind;     // "usage", "flag", "anchor", "certificate", "offboard-progress"
  std::string time;     // when the agent recorded it
  std::string payload;  // canonical JSON object
  std::optional<UsageRecord> usage;  // set for kind "usage"
};

struct ReportBatch {
  std::string deviceId;
  std::string idempotencyKey;
  std::string sha256;  // of the decompressed body: a reused key with other content is refused
  std::vector<ReportRecord> records;
};

// Parses `json` into a batch; deviceId and idempotencyKey come from the document and
// sha256 is computed over `json`. kInvalidArgument with a precise reason otherwise.
Result<ReportBatch> parseReportBatch(const std::string& json, size_t maxRecords);

// Record ids, device ids and idempotency keys: 1..128 of [A-Za-z0-9._:-].
bool isValidIdentifier(const std::string& text);

}  // namespace tillid::report
