#include "agent/usage/usage_query.h"

#include <Poco/JSON/Object.h>

#include <algorithm>

namespace tillid::usage {
namespace {

const std::vector<std::string> kKeys = {"hour",        "user",    "application",
                                        "destination", "service", "category"};
const std::vector<std::string> kCounters = {"connections", "bytes_in", "bytes_out",
                                            "active_seconds"};

std::string joined(const std::vector<std::string>& names, const std::string& separator) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

}  // namespace

Result<Poco::JSON::Array::Ptr> selectUsage(store::Database& db, const UsageQuery& query) {
  for (const auto& key : query.groupBy) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return Status::error(ErrorCode::kInvalidArgument, "no usage column '" + key + "'");
    }
  }
  const bool grouped = !query.groupBy.empty();
  const std::vector<std::string>& keys = grouped ? query.groupBy : kKeys;
  std::vector<std::string> counters;
  for (const auto& c : kCounters) counters.push_back(grouped ? "SUM(" + c + ")" : c);
  std::vector<std::string> extra;
  if (grouped && query.hourRange) extra = {"MIN(hour)", "MAX(hour)"};
  const std::string bytes = grouped ? "SUM(bytes_in) + SUM(bytes_out)" : "bytes_in + bytes_out";
  std::string order;
  switch (query.order) {
    case UsageQuery::Order::kLargest:
      order = bytes + " DESC, " + joined(keys, ", ");
      break;
    case UsageQuery::Order::kNewest:
      order = "hour DESC, " + bytes + " DESC";
      break;
    case UsageQuery::Order::kKeys:
      order = joined(keys, ", ");
      break;
  }
  std::vector<std::string> columns = keys;
  columns.insert(columns.end(), counters.begin(), counters.end());
  columns.insert(columns.end(), extra.begin(), extra.end());
  // Only known column names reach the SQL (checked above); the values are bound.
  std::string sql = "SELECT " + joined(columns, ", ") +
                    " FROM usage_hourly WHERE hour >= ?1 AND hour < ?2 AND (?3 = '' OR user = ?3)";
  if (grouped) sql += " GROUP BY " + joined(keys, ", ");
  sql += " ORDER BY " + order + " LIMIT ?4";
  auto s = db.prepare(sql);
  if (!s) return s.status();
  // Without bounds: "" sorts before every hour label and "~" after (labels are digits).
  s->bind(1, query.since)
      .bind(2, query.until.empty() ? std::string("~") : query.until)
      .bind(3, query.user)
      .bind(4, query.limit > 0 ? query.limit : int64_t{-1});
  std::vector<std::string> names = keys;
  names.insert(names.end(), kCounters.begin(), kCounters.end());
  if (!extra.empty()) names.insert(names.end(), {"first_hour", "last_hour"});
  Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
  while (true) {
    auto more = s->step();
    if (!more) return more.status();
    if (!*more) return rows;
    Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
    for (size_t i = 0; i < names.size(); ++i) {
      const int c = static_cast<int>(i);
      const bool counter = i >= keys.size() && i < keys.size() + kCounters.size();
      if (counter) {
        row->set(names[i], s->int64(c));
      } else {
        row->set(names[i], s->text(c));
      }
    }
    rows->add(row);
  }
}

}  // namespace tillid::usage
