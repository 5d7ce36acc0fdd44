#pragma once
// Retention at the collector: every hour, usage older than retention.usage_days and Citrix
// flags older than retention.flags_days are deleted for every device, and each run that
// deleted something is an access-log entry "retention.deleted" by "collector" with the
// counts per kind. Anchors, certificates and offboarding progress are kept
// (docs/collector-storage.md).

#include <chrono>
#include <cstdint>

#include "collector/storage.h"
#include "collector/task_store.h"
#include "common/config.h"
#include "common/periodic_runner.h"
#include "common/time.h"

namespace tillid::collector {

struct CollectorRetentionSettings {
  int64_t usageDays = 180;
  int64_t flagsDays = 180;
  std::chrono::milliseconds interval = std::chrono::hours(1);
};

// The "retention.*" keys of the collector configuration.
CollectorRetentionSettings collectorRetentionSettings(const Config& config);

// One run as of `now`.
Result<RetentionDeleted> applyCollectorRetention(Storage& storage, TaskStore& tasks,
                                                 const CollectorRetentionSettings& settings,
                                                 TimePoint now);

// Runs retention at construction and then every settings.interval, as of the wall clock.
// `storage` and `tasks` must outlive it.
class CollectorRetention {
 public:
  CollectorRetention(Storage& storage, TaskStore& tasks, CollectorRetentionSettings settings);

 private:
  PeriodicRunner runner_;
};

}  // namespace tillid::collector
