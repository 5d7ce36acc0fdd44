#include "agent/usage/retention.h"

#include <Poco/JSON/Object.h>

#include "agent/audit/audit_log.h"
#include "agent/core/logging.h"
#include "agent/usage/usage_aggregator.h"

namespace tillid::usage {

std::vector<RetentionRule> retentionRules(const Config& config) {
  return {{"usage", "usage_hourly", "hour", config.integer("retention.usage_days")}};
}

Result<int64_t> applyRetention(store::Database& db, const RetentionRule& rule, TimePoint now) {
  const TimePoint cutoff = now - std::chrono::hours(24 * rule.keepDays);
  // Rows are labelled with the start of their hour; every row from before the cutoff's hour
  // has ended by the cutoff.
  const std::string before = hourLabel(toMicros(cutoff));
  auto statement = db.prepare("DELETE FROM " + rule.table + " WHERE " + rule.timeColumn + " < ?1");
  if (!statement) return statement.status();
  TILLID_RETURN_IF_ERROR(statement->bind(1, before).run());
  const int64_t deleted = db.changes();
  if (deleted > 0) {
    Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
    details->set("table", rule.table);
    details->set("deleted_rows", deleted);
    details->set("keep_days", rule.keepDays);
    details->set("deleted_before", before);
    TILLID_RETURN_IF_ERROR(
        audit::append(db, "agent", rule.name + ".retention", details, now).status());
  }
  return deleted;
}

RetentionScheduler::RetentionScheduler(store::Writer& writer, std::vector<RetentionRule> rules,
                                       std::chrono::milliseconds interval)
    : writer_(writer), rules_(std::move(rules)), interval_(interval) {
  runNow();  // at start, so that a short-lived agent also enforces the limit
  thread_ = std::thread([this] { loop(); });
}

RetentionScheduler::~RetentionScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RetentionScheduler::runNow() {
  for (const auto& rule : rules_) {
    writer_.submit([rule](store::Database& db) -> Status {
      auto deleted = applyRetention(db, rule, WallClock::now());
      if (!deleted) return deleted.status().withContext(rule.name + " retention");
      if (*deleted > 0) {
        logger("retention")
            .information(rule.name + " retention: deleted " + std::to_string(*deleted) +
                         " rows older than " + std::to_string(rule.keepDays) + " days");
      }
      return Status::ok();
    });
  }
}

void RetentionScheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [&] { return stopping_; })) {
    lock.unlock();
    runNow();
    lock.lock();
  }
}

}  // namespace tillid::usage
