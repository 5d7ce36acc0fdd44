#include "agent/tasks/named_queries.h"

#include <Poco/Environment.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "agent/audit/audit_log.h"
#include "agent/citrix/citrix_store.h"
#include "agent/usage/usage_query.h"
#include "protocol/purpose_rules.h"
#include "store/store.h"

namespace tillid::tasks {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using store::Database;

constexpr int64_t kMaxRows = 5000;

std::string param(const Object::Ptr& params, const char* name, const std::string& fallback) {
  return params && params->has(name) && params->get(name).isString()
             ? params->getValue<std::string>(name)
             : fallback;
}

int64_t intParam(const Object::Ptr& params, const char* name, int64_t fallback) {
  return params && params->has(name) && params->get(name).isInteger()
             ? params->getValue<int64_t>(name)
             : fallback;
}

// The period a usage query covers: params "since"/"until" (timestamps), by default the
// last 7 days.
std::pair<std::string, std::string> period(const Object::Ptr& params) {
  const TimePoint now = WallClock::now();
  return {param(params, "since", formatTimestamp(now - std::chrono::hours(24 * 7))),
          param(params, "until", formatTimestamp(now + std::chrono::hours(1)))};
}

Result<Object::Ptr> status(Database& db) {
  Object::Ptr out = new Object;
  out->set("version", TILLID_VERSION);
  auto head = audit::head(db);
  if (!head) return head.status();
  out->set("security_log_entries", *head ? (*head)->seq : 0);
  out->set("security_log_head", *head ? (*head)->hash : "");
  for (const char* key : {"last_write", "report.last_upload", "report.last_error"}) {
    auto value = store::getMeta(db, key);
    if (!value) return value.status();
    out->set(key, value->value_or(""));
  }
  return out;
}

Result<Object::Ptr> inventory(Database& db) {
  Object::Ptr out = new Object;
  out->set("hostname", Poco::Environment::nodeName());
  out->set("os", Poco::Environment::osName());
  out->set("os_version", Poco::Environment::osVersion());
  out->set("architecture", Poco::Environment::osArchitecture());
  out->set("processors", static_cast<int64_t>(Poco::Environment::processorCount()));
  out->set("agent_version", TILLID_VERSION);
  auto versions = store::schemaVersions(db);
  if (!versions) return versions.status();
  Object::Ptr schema = new Object;
  for (const auto& [module, version] : *versions) schema->set(module, version);
  out->set("schema", schema);
  return out;
}

Result<Object::Ptr> usageSummary(Database& db, const Object::Ptr& params) {
  const auto [since, until] = period(params);
  usage::UsageQuery query;
  query.since = since;
  query.until = until;
  query.groupBy = {"category", "service"};
  auto rows = usage::selectUsage(db, query);
  if (!rows) return rows.status();
  Object::Ptr out = new Object;
  out->set("since", since);
  out->set("until", until);
  out->set("volumes", *rows);
  return out;
}

Result<Object::Ptr> usageDetail(Database& db, const Object::Ptr& params) {
  const auto [since, until] = period(params);
  usage::UsageQuery query;
  query.since = since;
  query.until = until;
  query.user = param(params, "user", "");
  query.order = usage::UsageQuery::Order::kNewest;
  query.limit = std::clamp<int64_t>(intParam(params, "limit", 1000), 1, kMaxRows);
  auto rows = usage::selectUsage(db, query);
  if (!rows) return rows.status();
  Object::Ptr out = new Object;
  out->set("since", since);
  out->set("until", until);
  out->set("rows", *rows);
  return out;
}

Result<Object::Ptr> flags(Database& db, const Object::Ptr& params) {
  auto list = citrix::readFlags(db);
  if (!list) return list.status();
  const std::string user = param(params, "user", "");
  Array::Ptr rows = new Array;
  for (const auto& f : *list) {
    if (user.empty() || f.user == user) rows->add(citrix::flagJson(f));
  }
  Object::Ptr out = new Object;
  out->set("flags", rows);
  return out;
}

Result<Object::Ptr> sessions(Database& db, const Object::Ptr& params) {
  auto list = citrix::readSessions(db);
  if (!list) return list.status();
  const std::string user = param(params, "user", "");
  Array::Ptr rows = new Array;
  for (const auto& s : *list) {
    if (user.empty() || s.user == user) rows->add(citrix::sessionJson(s));
  }
  Object::Ptr out = new Object;
  out->set("sessions", rows);
  return out;
}

Result<Object::Ptr> auditLog(Database& db, const Object::Ptr& params) {
  auto verification = audit::verify(db);
  if (!verification) return verification.status();
  const int64_t after = std::max<int64_t>(0, intParam(params, "after_seq", 0));
  const int64_t limit = std::clamp<int64_t>(intParam(params, "limit", 1000), 1, kMaxRows);
  auto list = audit::entries(db, after, limit);
  if (!list) return list.status();
  Array::Ptr rows = new Array;
  for (const auto& e : *list) {
    Object::Ptr o = new Object;
    o->set("seq", e.seq);
    o->set("time", e.time);
    o->set("actor", e.actor);
    o->set("action", e.action);
    o->set("details", e.details);
    o->set("prev_hash", e.prevHash);
    o->set("hash", e.hash);
    rows->add(o);
  }
  Object::Ptr out = new Object;
  out->set("entries", rows);
  out->set("total", verification->entries);
  out->set("intact", !verification->firstProblem.has_value());
  // Entries up to the checkpoint were deleted under retention; the first kept entry links
  // to its hash, which the collector holds as an anchor.
  if (verification->checkpoint) {
    Object::Ptr checkpoint = new Object;
    checkpoint->set("seq", verification->checkpoint->seq);
    checkpoint->set("hash", verification->checkpoint->hash);
    out->set("checkpoint", checkpoint);
  }
  if (verification->firstProblem) {
    out->set("problem", verification->firstProblem->message);
    out->set("problem_seq", verification->firstProblem->seq);
  }
  return out;
}

}  // namespace

Result<Object::Ptr> runNamedQuery(Database& db, const std::string& query,
                                  const Object::Ptr& params) {
  if (query == "status") return status(db);
  if (query == "inventory") return inventory(db);
  if (query == "usage-summary") return usageSummary(db, params);
  if (query == "usage-detail") return usageDetail(db, params);
  if (query == "flags") return flags(db, params);
  if (query == "sessions") return sessions(db, params);
  if (query == "audit-log") return auditLog(db, params);
  return Status::error(ErrorCode::kInvalidArgument, "no query named '" + query + "'");
}

void registerNamedQueries(TaskDispatcher& dispatcher, OrderVerifier& verifier,
                          store::Writer& writer) {
  for (const std::string& query : namedQueries()) {
    dispatcher.add(query, [query, &verifier, &writer](const Task& task) {
      Status permitted =
          checkAccess({task.purpose, query, std::nullopt, task.caseRef, task.order.has_value(),
                       !param(task.params, "draw", "").empty()});
      if (!permitted) return TaskReply::refused(permitted.message());
      if (purposeRule(task.purpose)->needsOrder) {
        auto key =
            verifier.accept(*task.order, {query, task.purpose, task.caseRef, kRoleInvestigator});
        if (!key) return TaskReply::refused(key.status().message());
      }
      const Object::Ptr params = task.params;
      auto answer = store::runInWriter<Object::Ptr>(
          writer, [query, params](Database& db) { return runNamedQuery(db, query, params); });
      if (!answer) return TaskReply::failed(answer.status().message());
      return TaskReply::answered(*answer);
    });
  }
  // The collector answered a read from its own copies: the poller's security-log entry of
  // the notice is what the employee's view lists.
  dispatcher.add("collector-read", [](const Task&) { return TaskReply::answered(new Object); });
}

}  // namespace tillid::tasks
