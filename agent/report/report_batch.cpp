#include "agent/report/report_batch.h"

#include <Poco/JSON/Array.h>

#include "agent/core/canonical_json.h"

namespace tillid::report {

std::string reportBatchJson(const std::string& deviceId, const std::string& batchId,
                            const std::vector<ReportRecord>& records) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const ReportRecord& r : records) {
    Poco::JSON::Object::Ptr record = new Poco::JSON::Object;
    record->set("id", r.id);
    record->set("kind", r.kind);
    record->set("time", r.time);
    record->set("payload", r.payload);
    list->add(record);
  }
  Poco::JSON::Object::Ptr batch = new Poco::JSON::Object;
  batch->set("device_id", deviceId);
  batch->set("batch_id", batchId);
  batch->set("records", list);
  return canonicalJson(batch);
}

}  // namespace tillid::report
