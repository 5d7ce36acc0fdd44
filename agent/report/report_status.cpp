#include "agent/report/report_status.h"

#include "agent/report/outbox.h"
#include "protocol/enrollment.h"
#include "store/store.h"

namespace tillid::report {
namespace {

std::string text(const Poco::JSON::Object& s, const std::string& key, const std::string& absent) {
  return s.has(key) ? s.get(key).toString() : absent;
}

}  // namespace

void addReportFacts(const std::string& stateDir, store::Database& db, Poco::JSON::Object& out) {
  auto enrollment = loadEnrollment(EnrollmentFiles{stateDir});
  const bool enrolled = enrollment && enrollment->has_value();
  out.set("enrolled", enrolled);
  if (enrolled) {
    out.set("device_id", (*enrollment)->deviceId);
    out.set("server", (*enrollment)->server);
    out.set("certificate_expires", (*enrollment)->certificateExpires);
  }
  for (auto [meta, key] : {std::pair{"report.last_upload", "last_upload"},
                           std::pair{"report.last_error", "last_upload_error"},
                           std::pair{"report.dropped_rows", "dropped_rows"}}) {
    auto value = store::getMeta(db, meta);
    if (value && value->has_value()) out.set(key, **value);
  }
  // An agent that never ran this version has no outbox yet: then nothing is waiting.
  auto stats = Outbox::stats(db);
  if (!stats) return;
  out.set("outbox_rows", stats->rows);
  out.set("outbox_bytes", stats->bytes);
  if (stats->oldest) out.set("backlog_since", *stats->oldest);
}

std::vector<std::pair<std::string, std::string>> describeReportFacts(const Poco::JSON::Object& s) {
  std::vector<std::pair<std::string, std::string>> lines;
  const bool enrolled = s.has("enrolled") && s.getValue<bool>("enrolled");
  lines.emplace_back("enrolled:", enrolled ? "yes, " + text(s, "device_id", "") + " with " +
                                                 text(s, "server", "") + " (certificate until " +
                                                 text(s, "certificate_expires", "?") + ")"
                                           : "no (tillid-agent enroll)");
  lines.emplace_back("last upload:", text(s, "last_upload", "never"));
  if (s.has("last_upload_error"))
    lines.emplace_back("upload error:", text(s, "last_upload_error", ""));
  if (s.has("outbox_rows")) {
    lines.emplace_back(
        "outbox:",
        text(s, "outbox_rows", "0") + " records, " + text(s, "outbox_bytes", "0") + " bytes" +
            (s.has("backlog_since") ? ", oldest from " + text(s, "backlog_since", "") : ""));
  }
  if (s.has("dropped_rows")) {
    lines.emplace_back("dropped:", text(s, "dropped_rows", "0") + " usage summaries (over budget)");
  }
  return lines;
}

}  // namespace tillid::report
