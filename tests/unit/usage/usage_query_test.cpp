// selectUsage, the one reader of usage_hourly, on a real store file: grouping with sums,
// one user's rows, the period, the orders, the limit, and a column that is not one.

#include "agent/usage/usage_query.h"

#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>

#include "agent/usage/usage_aggregator.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::usage;

namespace {

struct Store {
  test::TempDir dir;
  store::Database db;

  Store() {
    auto opened = store::openStore(dir.file("tillid.db"), {usageSchema()});
    REQUIRE(opened.isOk());
    db = std::move(opened->db);
    // (hour, user, destination, category, bytes in): anna twice in one hour and once later,
    // bo once.
    for (const auto& [hour, user, destination, category, in] :
         std::vector<std::tuple<const char*, const char*, const char*, const char*, int64_t>>{
             {"2026-11-25T10:00:00Z", "anna", "dr.dk", "Web", 100},
             {"2026-11-25T10:00:00Z", "anna", "nflxvideo.net", "Video", 5000},
             {"2026-11-25T12:00:00Z", "anna", "dr.dk", "Web", 300},
             {"2026-11-25T11:00:00Z", "bo", "teams.microsoft.com", "Meetings", 2000}}) {
      auto insert = db.prepare(
          "INSERT INTO usage_hourly(hour, user, application, destination, service, category,"
          " connections, bytes_in, bytes_out, active_seconds) VALUES (?, ?, 'app', ?, '', ?, 1,"
          " ?, 10, 5)");
      REQUIRE(insert.isOk());
      insert->bind(1, hour).bind(2, user).bind(3, destination).bind(4, category).bind(5, in);
      REQUIRE(insert->run().isOk());
    }
  }
};

std::vector<std::string> column(const Poco::JSON::Array::Ptr& rows, const std::string& name) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < rows->size(); ++i)
    out.push_back(rows->getObject(i)->get(name).toString());
  return out;
}

}  // namespace

TEST_CASE("selectUsage sums by the keys asked for, largest first", "[usage][query]") {
  Store s;
  UsageQuery query;
  query.groupBy = {"category"};
  auto rows = selectUsage(s.db, query);
  REQUIRE(rows.isOk());
  CHECK(column(*rows, "category") == std::vector<std::string>{"Video", "Meetings", "Web"});
  CHECK(column(*rows, "bytes_in") == std::vector<std::string>{"5000", "2000", "400"});
  CHECK(column(*rows, "connections") == std::vector<std::string>{"1", "1", "2"});
  CHECK_FALSE((*rows)->getObject(0)->has("user"));
  CHECK_FALSE((*rows)->getObject(0)->has("first_hour"));

  query.user = "anna";
  query.groupBy = {"destination"};
  query.hourRange = true;
  query.limit = 1;
  rows = selectUsage(s.db, query);
  REQUIRE(rows.isOk());
  REQUIRE((*rows)->size() == 1);
  CHECK((*rows)->getObject(0)->getValue<std::string>("destination") == "nflxvideo.net");
  CHECK((*rows)->getObject(0)->getValue<std::string>("first_hour") == "2026-11-25T10:00:00Z");
}

TEST_CASE("selectUsage gives the rows of a period, newest first or by the keys", "[usage][query]") {
  Store s;
  UsageQuery query;
  query.since = "2026-11-25T11:00:00Z";
  query.until = "2026-11-25T13:00:00Z";
  query.order = UsageQuery::Order::kNewest;
  auto rows = selectUsage(s.db, query);
  REQUIRE(rows.isOk());
  CHECK(column(*rows, "hour") ==
        std::vector<std::string>{"2026-11-25T12:00:00Z", "2026-11-25T11:00:00Z"});
  CHECK((*rows)->getObject(0)->getValue<std::string>("user") == "anna");

  query = UsageQuery{};
  query.order = UsageQuery::Order::kKeys;
  rows = selectUsage(s.db, query);
  REQUIRE(rows.isOk());
  CHECK(column(*rows, "user") == std::vector<std::string>{"anna", "anna", "bo", "anna"});
}

TEST_CASE("selectUsage refuses a column that is not a key", "[usage][query]") {
  Store s;
  UsageQuery query;
  query.groupBy = {"category; DROP TABLE usage_hourly"};
  auto rows = selectUsage(s.db, query);
  CHECK(rows.status().code() == ErrorCode::kInvalidArgument);
  query.groupBy = {"bytes_in"};
  CHECK_FALSE(selectUsage(s.db, query).isOk());
}
