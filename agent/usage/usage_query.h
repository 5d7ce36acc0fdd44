#pragma once
// The one reader of the hourly usage rows (usage_hourly): the named queries, the
// employee's own view and `tillid-agent usage` all select through it, so the SQL that
// reads usage is in one place.

#include <Poco/JSON/Array.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "store/database.h"

namespace tillid::usage {

struct UsageQuery {
  std::string since;  // hour label or timestamp: rows of hours from it on; "": no bound
  std::string until;  // rows of hours that start before it; "": no bound
  std::string user;   // only this user's rows; "": every user's
  // Sum over these key columns (of hour, user, application, destination, service,
  // category); empty: the rows themselves with every key.
  std::vector<std::string> groupBy;
  bool hourRange = false;  // grouped: also first_hour and last_hour of each group
  enum class Order {
    kLargest,  // most bytes first, then by the keys
    kNewest,   // newest hour first, then most bytes
    kKeys,     // by the keys, in the order above
  } order = Order::kLargest;
  int64_t limit = 0;  // at most this many rows; 0: all
};

// Each row as an object: its keys, then connections, bytes_in, bytes_out, active_seconds
// (and first_hour, last_hour when asked). kInvalidArgument for a key that is not a column.
Result<Poco::JSON::Array::Ptr> selectUsage(store::Database& db, const UsageQuery& query);

}  // namespace tillid::usage
