#pragma once
// Parsing and validating a report batch (the decompressed JSON of POST /v1/reports,
// docs/protocol.md). Anything malformed is refused as a whole.

#include <string>

#include "collector/storage.h"

namespace tillid::collector {

// Parses `json` into a batch; deviceId and idempotencyKey come from the document and
// sha256 is computed over `json`. kInvalidArgument with a precise reason otherwise.
Result<ReportBatch> parseBatch(const std::string& json, size_t maxRecords);

// Record ids, device ids and idempotency keys: 1..128 of [A-Za-z0-9._:-].
bool isValidIdentifier(const std::string& text);

}  // namespace tillid::collector
