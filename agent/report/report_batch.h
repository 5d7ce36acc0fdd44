#pragma once
// The document a device POSTs to /v1/reports (docs/protocol.md), built in one place: the
// outbox's batches, the load generator's and the tests' hand-made ones.

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace tillid::report {

struct ReportRecord {
  std::string id;    // unique per record at the collector ("u-…", "r-…")
  std::string kind;  // recordKindName()
  std::string time;  // formatTimestamp()
  Poco::JSON::Object::Ptr payload;
};

// {"batch_id", "device_id", "records": [{"id", "kind", "time", "payload"}, …]} as
// canonical JSON, before gzip.
std::string reportBatchJson(const std::string& deviceId, const std::string& batchId,
                            const std::vector<ReportRecord>& records);

}  // namespace tillid::report
