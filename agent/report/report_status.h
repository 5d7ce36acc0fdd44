#pragma once
// What `tillid-agent status` shows about reporting: enrollment, the last successful
// upload and the last error, the outbox's size and the age of its oldest record.

#include <Poco/JSON/Object.h>

#include <string>

#include "store/database.h"

namespace tillid::report {

// Adds "enrolled", "device_id", "server", "certificate_expires", "last_upload",
// "last_upload_error", "outbox_rows", "outbox_bytes", "backlog_since" and
// "dropped_rows" (those that are known) to `out`. `db` may be a read-only connection.
void addReportFacts(const std::string& stateDir, store::Database& db, Poco::JSON::Object& out);

// Human-readable lines "label: value" for the facts above.
std::vector<std::pair<std::string, std::string>> describeReportFacts(const Poco::JSON::Object& s);

}  // namespace tillid::report
