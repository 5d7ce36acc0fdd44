#include "agent/service/retention.h"

#include "agent/audit/audit_log.h"
#include "agent/usage/usage_aggregator.h"
#include "common/logging.h"
#include "store/store.h"

namespace tillid {
namespace {

// A usage row is at the collector once all its counts went to the outbox
// (usage::kUsageUnsent) and no record carrying part of them still waits there.
constexpr const char* kUsageWaiting =
    "EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'usage'"
    " AND json_extract(o.payload, '$.hour') = usage_hourly.hour"
    " AND json_extract(o.payload, '$.user') = usage_hourly.user"
    " AND json_extract(o.payload, '$.application') = usage_hourly.application"
    " AND json_extract(o.payload, '$.destination') = usage_hourly.destination"
    " AND json_extract(o.payload, '$.service') = usage_hourly.service"
    " AND json_extract(o.payload, '$.category') = usage_hourly.category)";

// A flag is at the collector once it ended (its final state was queued) and none of its
// records still waits in the outbox.
constexpr const char* kFlagWaiting =
    "state = 'open' OR id IN (SELECT json_extract(payload, '$.id') FROM outbox"
    " WHERE kind = 'flag')";

Result<int64_t> count(store::Database& db, const std::string& sql, const std::string& before) {
  auto select = db.prepare(sql);
  if (!select) return select.status();
  select->bind(1, before);
  auto row = select->step();
  if (!row) return row.status();
  return select->int64(0);
}

}  // namespace

RetentionRule tableRetention(std::string name, std::string table, std::string timeExpression,
                             RowTime rowTime, int64_t keepDays, std::string unsent) {
  auto apply = [table, timeExpression, rowTime, unsent](
                   store::Database& db, TimePoint cutoff) -> Result<RetentionOutcome> {
    // An hour row is labelled with its start; every hour from before the cutoff's hour has
    // ended by the cutoff.
    const std::string before = rowTime == RowTime::kHourStart ? usage::hourLabel(toMicros(cutoff))
                                                              : formatTimestamp(cutoff);
    const std::string expired = "(" + timeExpression + ") < ?1";
    RetentionOutcome outcome;
    if (!unsent.empty()) {
      auto kept =
          count(db, "SELECT COUNT(*) FROM " + table + " WHERE " + expired + " AND (" + unsent + ")",
                before);
      if (!kept) return kept.status();
      outcome.keptUnsent = *kept;
    }
    auto remove = db.prepare("DELETE FROM " + table + " WHERE " + expired +
                             (unsent.empty() ? "" : " AND NOT (" + unsent + ")"));
    if (!remove) return remove.status();
    TILLID_RETURN_IF_ERROR(remove->bind(1, before).run());
    outcome.deleted = db.changes();
    outcome.extra = new Poco::JSON::Object;
    outcome.extra->set("table", table);
    outcome.extra->set("deleted_before", before);
    return outcome;
  };
  return {std::move(name), keepDays, std::move(apply)};
}

std::vector<RetentionRule> retentionRules(const Config& config, bool reportsToCollector) {
  const auto waiting = [reportsToCollector](std::string condition) {
    return reportsToCollector ? condition : std::string();
  };
  std::vector<RetentionRule> rules = {
      tableRetention("usage", "usage_hourly", "hour", RowTime::kHourStart,
                     config.integer("retention.usage_days"),
                     waiting(std::string(usage::kUsageUnsent) + " OR " + kUsageWaiting)),
      tableRetention("flags", "flags", "end", RowTime::kEnd, config.integer("retention.flags_days"),
                     waiting(kFlagWaiting)),
      // Sessions are not uploaded. One never ended (the agent was killed) ages from its start.
      tableRetention("sessions", "citrix_sessions", "COALESCE(end, start)", RowTime::kEnd,
                     config.integer("retention.sessions_days"), "")};
  // Its entry, "security_log.retention", is audit::kRetentionAction: verify() looks for it.
  rules.push_back({"security_log", config.integer("retention.security_log_days"),
                   [](store::Database& db, TimePoint cutoff) -> Result<RetentionOutcome> {
                     auto cut = audit::deleteAnchoredBefore(db, cutoff);
                     if (!cut) return cut.status();
                     RetentionOutcome outcome;
                     outcome.deleted = cut->deleted;
                     // Entries wait for an anchor the collector acknowledged.
                     outcome.keptUnsent = cut->keptUnanchored;
                     outcome.extra = new Poco::JSON::Object;
                     outcome.extra->set("deleted_before", formatTimestamp(cutoff));
                     if (cut->checkpoint) {
                       outcome.extra->set("checkpoint_seq", cut->checkpoint->seq);
                       outcome.extra->set("checkpoint_hash", cut->checkpoint->hash);
                     }
                     return outcome;
                   }});
  return rules;
}

Result<RetentionOutcome> applyRetention(store::Database& db, const RetentionRule& rule,
                                        TimePoint now) {
  auto outcome = rule.apply(db, now - std::chrono::hours(24 * rule.keepDays));
  if (!outcome) return outcome.status();
  // The log notes when rows start or stop waiting for the collector, not every hour of it.
  const std::string keptKey = "retention." + rule.name + ".kept_unsent";
  auto previous = store::getMeta(db, keptKey);
  if (!previous) return previous.status();
  const bool wasKeeping = std::stoll(previous->value_or("0")) > 0;
  if (outcome->deleted == 0 && wasKeeping == (outcome->keptUnsent > 0)) return outcome;
  TILLID_RETURN_IF_ERROR(store::setMeta(db, keptKey, std::to_string(outcome->keptUnsent)));
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  if (outcome->extra) {
    for (const auto& [key, value] : *outcome->extra) details->set(key, value);
  }
  details->set("deleted_rows", outcome->deleted);
  details->set("kept_unsent", outcome->keptUnsent);
  details->set("keep_days", rule.keepDays);
  TILLID_RETURN_IF_ERROR(
      audit::append(db, "agent", rule.name + ".retention", details, now).status());
  return outcome;
}

void submitRetention(store::Writer& writer, const std::vector<RetentionRule>& rules) {
  for (const auto& rule : rules) {
    writer.submit([rule](store::Database& db) -> Status {
      auto outcome = applyRetention(db, rule, WallClock::now());
      if (!outcome) return outcome.status().withContext(rule.name + " retention");
      if (outcome->deleted > 0 || outcome->keptUnsent > 0) {
        logger("retention")
            .information(rule.name + " retention: deleted " + std::to_string(outcome->deleted) +
                         " rows older than " + std::to_string(rule.keepDays) + " days, kept " +
                         std::to_string(outcome->keptUnsent) + " not yet at the collector");
      }
      return Status::ok();
    });
  }
}

}  // namespace tillid
