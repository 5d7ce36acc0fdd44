#include "agent/service/my_data.h"

#include <Poco/JSON/Array.h>

#include "agent/audit/audit_log.h"
#include "agent/citrix/citrix_store.h"
#include "agent/offboard/offboard_store.h"
#include "agent/usage/usage_query.h"
#include "common/canonical_json.h"
#include "common/logging.h"

namespace tillid {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int64_t kMaxDestinations = 2000;
constexpr int64_t kMaxAccesses = 2000;

Result<Array::Ptr> usageBy(store::Database& db, const std::string& user, bool byDestination) {
  usage::UsageQuery query;
  query.user = user;
  query.groupBy = byDestination ? std::vector<std::string>{"destination", "service", "category"}
                                : std::vector<std::string>{"category"};
  query.hourRange = true;
  query.limit = kMaxDestinations;
  return usage::selectUsage(db, query);
}

// Entries of the security log that record a look at this user's data: every answered or
// refused task (query or order) and every read at the collector the collector reported,
// except those limited to another user.
Result<Array::Ptr> accesses(store::Database& db, const std::string& user) {
  auto s = db.prepare(
      "SELECT time, actor, action, details FROM audit_log WHERE action LIKE 'task.%' "
      "ORDER BY seq DESC LIMIT ?");
  if (!s) return s.status();
  s->bind(1, kMaxAccesses);
  Array::Ptr out = new Array;
  while (true) {
    auto row = s->step();
    if (!row) return row.status();
    if (!*row) return out;
    auto details = parseJsonObject(s->text(3));
    if (!details) continue;
    const Object& d = **details;
    const std::string about = d.optValue<std::string>("user", "");
    if (!about.empty() && about != user) continue;
    // A read at the collector, from its copies, arrives as a "collector-read" notice.
    const std::string readThere = d.optValue<std::string>("read", "");
    Object::Ptr o = new Object;
    o->set("time", readThere.empty() ? s->text(0) : d.optValue<std::string>("read_at", ""));
    o->set("who", s->text(1));
    o->set("where", readThere.empty() ? "device" : "collector");
    o->set("outcome", s->text(2).substr(5));
    o->set("query", readThere.empty() ? d.optValue<std::string>("type", "") : readThere);
    o->set("purpose", d.optValue<std::string>("purpose", ""));
    o->set("case", d.optValue<std::string>("case", ""));
    o->set("signed_by", d.optValue<std::string>("order_issued_by", ""));
    o->set("reason", d.optValue<std::string>("reason", ""));
    out->add(o);
  }
}

}  // namespace

MyDataSettings myDataSettings(const Config& config) {
  return {config.string("monitoring.effective_from"), config.integer("retention.usage_days")};
}

Result<Object::Ptr> myData(store::Database& db, const std::string& user,
                           const MyDataSettings& settings) {
  Object::Ptr out = new Object;
  out->set("user", user);
  out->set("generated", formatTimestamp(WallClock::now()));
  out->set("effective_from", settings.effectiveFrom);
  out->set("retention_days", settings.retentionDays);
  auto categories = usageBy(db, user, false);
  if (!categories) return categories.status();
  out->set("usage_by_category", *categories);
  auto destinations = usageBy(db, user, true);
  if (!destinations) return destinations.status();
  out->set("usage_by_destination", *destinations);
  auto flags = citrix::readFlags(db);
  if (!flags) return flags.status();
  Array::Ptr myFlags = new Array;
  for (const auto& f : *flags) {
    if (f.user == user) myFlags->add(citrix::flagJson(f));
  }
  out->set("flags", myFlags);
  auto sessions = citrix::readSessions(db);
  if (!sessions) return sessions.status();
  Array::Ptr mySessions = new Array;
  for (const auto& s : *sessions) {
    if (s.user == user) mySessions->add(citrix::sessionJson(s));
  }
  out->set("sessions", mySessions);
  auto seen = accesses(db, user);
  if (!seen) return seen.status();
  out->set("accesses", *seen);
  // An accepted reset not yet finished: when it starts, so private files can be removed.
  auto run = offboard::loadRun(db);
  if (!run) return run.status();
  if (run->has_value() && (*run)->state != offboard::kRunCompleted) {
    Object::Ptr reset = new Object;
    reset->set("state", (*run)->state);
    reset->set("reason", (*run)->reason);
    reset->set("starts", (*run)->noticeEndsAt);
    out->set("pending_reset", reset);
  }
  return out;
}

Result<std::unique_ptr<platform::LocalSocketServer>> serveMyData(const Config& config,
                                                                 store::Writer& writer) {
  const std::string path = config.string("employee_view.socket");
  if (path.empty()) return std::unique_ptr<platform::LocalSocketServer>();
  const MyDataSettings settings = myDataSettings(config);
  return platform::listenLocalSocket(
      path, [&writer, settings](const platform::PeerCredentials& peer, const std::string& request) {
        if (request != "my-data") return std::string("{\"error\":\"unknown request\"}\n");
        const std::string user = peer.userName;
        auto answer = store::runInWriter<Object::Ptr>(
            writer, [user, settings](store::Database& db) { return myData(db, user, settings); });
        if (!answer) {
          logger("agent").error("my-data for " + user + ": " + answer.status().message());
          Object::Ptr error = new Object;
          error->set("error", "the agent cannot read its store right now");
          return canonicalJson(error) + "\n";
        }
        (*answer)->set("account_id", peer.account.value);
        return canonicalJson(*answer) + "\n";
      });
}

}  // namespace tillid
