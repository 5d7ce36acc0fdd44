#include "collector/collector_retention.h"

#include <Poco/JSON/Object.h>

#include "common/canonical_json.h"
#include "common/logging.h"

namespace tillid::collector {

CollectorRetentionSettings collectorRetentionSettings(const Config& config) {
  CollectorRetentionSettings s;
  s.usageDays = config.integer("retention.usage_days");
  s.flagsDays = config.integer("retention.flags_days");
  return s;
}

Result<RetentionDeleted> applyCollectorRetention(Storage& storage, TaskStore& tasks,
                                                 const CollectorRetentionSettings& settings,
                                                 TimePoint now) {
  const TimePoint usageBefore = now - std::chrono::hours(24 * settings.usageDays);
  const TimePoint flagsBefore = now - std::chrono::hours(24 * settings.flagsDays);
  auto deleted = storage.deleteExpired(usageBefore, flagsBefore);
  if (!deleted) return deleted.status();
  if (deleted->usageRows + deleted->usageRecords + deleted->flagRecords == 0) return deleted;
  // How many of each kind and up to when, never what.
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  details->set("usage_rows", deleted->usageRows);
  details->set("usage_records", deleted->usageRecords);
  details->set("flag_records", deleted->flagRecords);
  details->set("usage_days", settings.usageDays);
  details->set("flags_days", settings.flagsDays);
  details->set("usage_before", formatTimestamp(usageBefore));
  details->set("flags_before", formatTimestamp(flagsBefore));
  AccessRecord record;
  record.time = formatTimestamp(now);
  record.actor = "collector";
  record.action = "retention.deleted";
  record.purpose = "retention";
  record.details = canonicalJson(details);
  TILLID_RETURN_IF_ERROR(tasks.logAccess(record));
  return deleted;
}

CollectorRetention::CollectorRetention(Storage& storage, TaskStore& tasks,
                                       CollectorRetentionSettings settings)
    : runner_(settings.interval, [&storage, &tasks, settings] {
        auto deleted = applyCollectorRetention(storage, tasks, settings, WallClock::now());
        if (!deleted) {
          logger("retention").error("retention failed: " + deleted.status().message());
        } else if (deleted->usageRows + deleted->usageRecords + deleted->flagRecords > 0) {
          logger("retention")
              .information("retention deleted " + std::to_string(deleted->usageRows) +
                           " usage rows, " + std::to_string(deleted->usageRecords) +
                           " usage records and " + std::to_string(deleted->flagRecords) +
                           " flag records");
        }
      }) {}

}  // namespace tillid::collector
