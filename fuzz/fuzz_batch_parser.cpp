// libFuzzer target: arbitrary bytes as the decompressed body of POST /v1/reports. Any input
// must end in a batch or a Status, never a crash or an exception; a batch that parses holds
// only valid identifiers, unique record ids and non-negative usage counts.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "protocol/report_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  auto batch = tillid::report::parseReportBatch(json, 64);
  if (!batch) return 0;
  if (!tillid::report::isValidIdentifier(batch->idempotencyKey) || batch->records.size() > 64 ||
      batch->sha256.size() != 64) {
    std::abort();
  }
  std::set<std::string> ids;
  for (const auto& record : batch->records) {
    if (!tillid::report::isValidIdentifier(record.id) || !ids.insert(record.id).second) {
      std::abort();
    }
    if (record.kind == "usage" &&
        (!record.usage || record.usage->connections < 0 || record.usage->bytesIn < 0 ||
         record.usage->bytesOut < 0 || record.usage->activeSeconds < 0)) {
      std::abort();
    }
  }
  return 0;
}
