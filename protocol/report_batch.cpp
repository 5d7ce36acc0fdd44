#include "protocol/report_batch.h"

#include <Poco/JSON/Array.h>

#include <set>

#include "common/canonical_json.h"
#include "common/digest.h"
#include "common/time.h"

namespace tillid::report {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Status invalid(const std::string& message) {
  return Status::error(ErrorCode::kInvalidArgument, message);
}

Result<std::string> stringField(const Object& object, const std::string& key,
                                const std::string& where) {
  if (!object.has(key) || !object.get(key).isString()) {
    return invalid(where + ": '" + key + "' must be a string");
  }
  return object.getValue<std::string>(key);
}

Result<int64_t> countField(const Object& object, const std::string& key, const std::string& where) {
  if (!object.has(key) || !object.get(key).isInteger()) {
    return invalid(where + ": '" + key + "' must be an integer");
  }
  const int64_t value = object.get(key).convert<int64_t>();
  if (value < 0) return invalid(where + ": '" + key + "' must not be negative");
  return value;
}

Result<UsageRecord> parseUsage(const Object& p, const std::string& where) {
  UsageRecord u;
  std::string* texts[] = {&u.hour,        &u.user,    &u.application,
                          &u.destination, &u.service, &u.category};
  const char* textKeys[] = {"hour", "user", "application", "destination", "service", "category"};
  for (size_t i = 0; i < std::size(texts); ++i) {
    auto value = stringField(p, textKeys[i], where);
    if (!value) return value.status();
    *texts[i] = std::move(*value);
  }
  int64_t* counts[] = {&u.connections, &u.bytesIn, &u.bytesOut, &u.activeSeconds};
  const char* countKeys[] = {"connections", "bytes_in", "bytes_out", "active_seconds"};
  for (size_t i = 0; i < std::size(counts); ++i) {
    auto value = countField(p, countKeys[i], where);
    if (!value) return value.status();
    *counts[i] = *value;
  }
  return u;
}

}  // namespace

bool isValidIdentifier(const std::string& text) {
  if (text.empty() || text.size() > 128) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<ReportBatch> parseReportBatch(const std::string& json, size_t maxRecords) {
  auto parsed = parseJsonObject(json);
  if (!parsed) return invalid("the batch is not a JSON object: " + parsed.status().message());
  const Object& root = **parsed;
  ReportBatch batch;
  auto device = stringField(root, "device_id", "batch");
  if (!device) return device.status();
  auto key = stringField(root, "batch_id", "batch");
  if (!key) return key.status();
  if (!isValidIdentifier(*key)) return invalid("batch: 'batch_id' is not a valid identifier");
  batch.deviceId = *device;
  batch.idempotencyKey = *key;
  if (!root.has("records") || root.get("records").type() != typeid(Array::Ptr)) {
    return invalid("batch: 'records' must be an array");
  }
  const Array::Ptr records = root.getArray("records");
  if (records->size() > maxRecords) {
    return invalid("batch: more than " + std::to_string(maxRecords) + " records");
  }
  std::set<std::string> seen;
  for (unsigned i = 0; i < records->size(); ++i) {
    const std::string where = "records[" + std::to_string(i) + "]";
    const Object::Ptr item = records->getObject(i);
    if (!item) return invalid(where + ": must be an object");
    ReportRecord record;
    auto id = stringField(*item, "id", where);
    if (!id) return id.status();
    if (!isValidIdentifier(*id)) return invalid(where + ": 'id' is not a valid identifier");
    if (!seen.insert(*id).second) return invalid(where + ": duplicate id " + *id);
    auto kind = stringField(*item, "kind", where);
    if (!kind) return kind.status();
    if (*kind != "usage" && *kind != "flag" && *kind != "anchor" && *kind != "certificate" &&
        *kind != "offboard-progress") {
      return invalid(where + ": unknown kind '" + *kind + "'");
    }
    auto time = stringField(*item, "time", where);
    if (!time) return time.status();
    if (!parseTimestamp(*time)) return invalid(where + ": 'time' is not a UTC timestamp");
    const Object::Ptr payload = item->getObject("payload");
    if (!payload) return invalid(where + ": 'payload' must be an object");
    if (*kind == "usage") {
      auto usage = parseUsage(*payload, where + ".payload");
      if (!usage) return usage.status();
      record.usage = std::move(*usage);
    }
    record.id = std::move(*id);
    record.kind = std::move(*kind);
    record.time = std::move(*time);
    record.payload = canonicalJson(payload);
    batch.records.push_back(std::move(record));
  }
  batch.sha256 = sha256Hex(json);
  return batch;
}

std::string reportBatchJson(const std::string& deviceId, const std::string& batchId,
                            const std::vector<OutgoingRecord>& records) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const OutgoingRecord& r : records) {
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
