#pragma once
// Retention on the device: usage rows, Citrix flags and sessions and security-log entries
// older than their retention.*_days are deleted every hour. A row the collector has not
// yet received stays however old, and is counted. Each run that deleted rows, or in which
// rows started or stopped waiting for the collector, is a security-log entry
// "<rule>.retention" with the counts (the log shows that the limit is enforced, never what
// was deleted).

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/periodic_runner.h"
#include "common/time.h"
#include "store/database.h"
#include "store/writer.h"

namespace tillid {

struct RetentionOutcome {
  int64_t deleted = 0;
  int64_t keptUnsent = 0;         // expired, but not yet at the collector
  Poco::JSON::Object::Ptr extra;  // further details for the log entry; may be null
};

struct RetentionRule {
  std::string name;  // security-log action is name + ".retention", e.g. "usage.retention"
  int64_t keepDays = 0;
  // Deletes what expired before the cutoff (now - keepDays). Runs inside the transaction
  // that also logs the outcome.
  std::function<Result<RetentionOutcome>(store::Database&, TimePoint cutoff)> apply;
};

// How a table's rows are dated.
enum class RowTime {
  kHourStart,  // the column labels an hour ("YYYY-MM-DDTHH:00:00Z"): expired once it ended
  kEnd,        // the column is a timestamp of when the row's data ended
};

// A rule deleting the rows of `table` whose `timeExpression` (SQL on the row) is before
// the cutoff, except those matching `unsent` (SQL on the row; empty: none wait).
RetentionRule tableRetention(std::string name, std::string table, std::string timeExpression,
                             RowTime rowTime, int64_t keepDays, std::string unsent);

// The rules from the configuration: retention.usage_days (usage_hourly),
// retention.flags_days (flags), retention.sessions_days (citrix_sessions),
// retention.security_log_days (the security log, up to an acknowledged anchor).
// `reportsToCollector`: the device is enrolled, so rows not yet received by the collector
// wait for it; a device that reports nowhere has nothing to wait for.
std::vector<RetentionRule> retentionRules(const Config& config, bool reportsToCollector);

// Applies `rule` as of `now` and logs the outcome when rows were deleted, or when rows
// started or stopped waiting for the collector since the rule's last entry.
// REQUIRES: inside a transaction (a writer job).
Result<RetentionOutcome> applyRetention(store::Database& db, const RetentionRule& rule,
                                        TimePoint now);

// Submits one run of every rule to the writer, as of the wall clock.
void submitRetention(store::Writer& writer, const std::vector<RetentionRule>& rules);

// Runs every rule through the writer at construction and then every `interval`; a run
// submitted before destruction still completes in the writer.
class RetentionScheduler {
 public:
  RetentionScheduler(store::Writer& writer, std::vector<RetentionRule> rules,
                     std::chrono::milliseconds interval = std::chrono::hours(1))
      : runner_(interval, [&writer, rules = std::move(rules)] { submitRetention(writer, rules); }) {
  }

 private:
  PeriodicRunner runner_;
};

}  // namespace tillid
