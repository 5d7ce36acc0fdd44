#pragma once
// Retention: usage rows older than retention.usage_days are deleted on the device, every
// hour, and each deletion that removed rows is a security-log entry
// "<rule>.retention" with the count (the log shows that the limit is enforced, never
// what was deleted). Rules are per table so that other components can add theirs.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/core/config.h"
#include "agent/core/time.h"
#include "agent/store/database.h"
#include "agent/store/writer.h"

namespace tillid::usage {

struct RetentionRule {
  std::string name;        // security-log action is name + ".retention", e.g. "usage.retention"
  std::string table;       // e.g. "usage_hourly"
  std::string timeColumn;  // a UTC ISO text column, e.g. "hour"
  int64_t keepDays = 0;
};

// The rules from the configuration (retention.usage_days for usage_hourly).
std::vector<RetentionRule> retentionRules(const Config& config);

// Deletes rows of `rule` from an hour that ended before now - keepDays (a row's hour is
// kept while any part of it is within the limit) and, when rows were deleted, appends the
// security-log entry in the same transaction. Returns the number deleted.
// REQUIRES: called inside a transaction (a writer job).
Result<int64_t> applyRetention(store::Database& db, const RetentionRule& rule, TimePoint now);

// Runs every rule through the writer at construction and then every `interval`.
class RetentionScheduler {
 public:
  RetentionScheduler(store::Writer& writer, std::vector<RetentionRule> rules,
                     std::chrono::milliseconds interval = std::chrono::hours(1));
  ~RetentionScheduler();  // stops the thread; a submitted run still completes in the writer
  RetentionScheduler(const RetentionScheduler&) = delete;
  RetentionScheduler& operator=(const RetentionScheduler&) = delete;

  // Submits one run of every rule now (also what the thread does each interval).
  void runNow();

 private:
  void loop();

  store::Writer& writer_;
  const std::vector<RetentionRule> rules_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tillid::usage
