// The TaskStore contract, run against every backend (SQLite and PostgreSQL).

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/unit/collector/storage_backends.h"

using namespace tillid;
using namespace tillid::collector;

namespace {

StoredTask taskFor(const std::string& device, const std::string& id) {
  StoredTask t;
  t.id = id;
  t.deviceId = device;
  t.type = "usage-summary";
  t.purpose = "spot-check";
  t.requestedBy = "alice";
  t.role = "viewer";
  t.params = R"({"days":7})";
  t.created = "2026-11-20T10:00:00Z";
  return t;
}

}  // namespace

TEST_CASE("task store: pending tasks go out in order, once, and again after the redelivery time",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  TaskStore& s = backend.tasks();
  for (const char* id : {"t-1", "t-2", "t-3"}) REQUIRE(s.addTask(taskFor("d-1", id)));
  REQUIRE(s.addTask(taskFor("d-2", "t-4")));
  const TimePoint now = WallClock::now();
  const TimePoint longAgo = now - std::chrono::hours(1);

  auto first = s.takePending("d-1", now, longAgo, 2);
  REQUIRE(first);
  REQUIRE(first->size() == 2);
  CHECK(first->at(0).id == "t-1");
  CHECK(first->at(1).id == "t-2");
  CHECK(first->at(0).state == "delivered");
  CHECK(first->at(0).deliveredAt == formatTimestamp(now));
  CHECK(first->at(0).params == R"({"days":7})");
  auto rest = backend.peerTasks().takePending("d-1", now, longAgo, 10);
  REQUIRE(rest);
  REQUIRE(rest->size() == 1);
  CHECK(rest->at(0).id == "t-3");
  CHECK(s.takePending("d-1", now, longAgo, 10)->empty());
  // Delivered before `redeliverBefore` and still unanswered: out again.
  auto again =
      s.takePending("d-1", now + std::chrono::minutes(10), now + std::chrono::minutes(5), 10);
  REQUIRE(again);
  CHECK(again->size() == 3);

  CHECK(*s.completeTask("d-1", "t-1", "answered", "", R"({"rows":[]})", now));
  CHECK(!*backend.peerTasks().completeTask("d-1", "t-1", "refused", "late", "{}", now));
  CHECK(s.completeTask("d-2", "t-1", "answered", "", "{}", now).status().code() ==
        ErrorCode::kNotFound);
  CHECK(s.completeTask("d-1", "t-9", "answered", "", "{}", now).status().code() ==
        ErrorCode::kNotFound);
  auto answered = s.task("t-1");
  REQUIRE(answered);
  REQUIRE(answered->has_value());
  CHECK((*answered)->state == "answered");
  CHECK((*answered)->result == R"({"rows":[]})");
  CHECK((*answered)->answeredAt == formatTimestamp(now));
  CHECK(!s.task("t-9")->has_value());
  CHECK(*s.completeTask("d-1", "t-2", "refused", "no order", "{}", now));
  CHECK((*s.task("t-2"))->reason == "no order");

  auto all = s.tasks("", 10);
  REQUIRE(all);
  REQUIRE(all->size() == 4);
  CHECK(all->front().id == "t-4");
  auto mine = s.tasks("d-1", 2);
  REQUIRE(mine);
  REQUIRE(mine->size() == 2);
  CHECK(mine->front().id == "t-3");
  // Answered tasks never go out again.
  auto later = s.takePending("d-1", now + std::chrono::hours(2), now + std::chrono::hours(1), 10);
  REQUIRE(later);
  REQUIRE(later->size() == 1);
  CHECK(later->front().id == "t-3");
}

TEST_CASE("task store: the access log reads back newest first, per device or all", "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  TaskStore& s = backend.tasks();
  REQUIRE(s.logAccess({"2026-11-20T10:00:00Z", "alice", "viewer", "query.queued", "d-1",
                       "spot-check", "", R"({"task":"t-1"})"}));
  REQUIRE(backend.peerTasks().logAccess({"2026-11-20T10:00:01Z", "bob", "investigator",
                                         "query.queued", "d-2", "investigation", "case-7", "{}"}));
  REQUIRE(s.logAccess(
      {"2026-11-20T10:00:02Z", "alice", "viewer", "spot-check.drawn", "", "spot-check", "", "{}"}));
  auto all = s.accessLog("", 10);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK(all->at(0).action == "spot-check.drawn");
  CHECK(all->at(1).caseRef == "case-7");
  CHECK(all->at(1).role == "investigator");
  auto one = s.accessLog("d-1", 10);
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK(one->at(0).details == R"({"task":"t-1"})");
  CHECK(one->at(0).purpose == "spot-check");
  CHECK(s.accessLog("", 1)->size() == 1);
}

TEST_CASE("task store: polls racing for one device get each task exactly once", "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  for (int i = 0; i < 40; ++i) {
    REQUIRE(backend.tasks().addTask(taskFor("d-1", "t-" + std::to_string(100 + i))));
  }
  const TimePoint now = WallClock::now();
  std::mutex mutex;
  std::multiset<std::string> delivered;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      TaskStore& s = i % 2 ? backend.peerTasks() : backend.tasks();
      for (int round = 0; round < 10; ++round) {
        auto taken = s.takePending("d-1", now, now - std::chrono::hours(1), 3);
        if (!taken) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        for (const auto& t : *taken) delivered.insert(t.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(delivered.size() == 40);
  CHECK(std::set<std::string>(delivered.begin(), delivered.end()).size() == 40);
}

TEST_CASE("task store: a shared database tells the other collector about task changes",
          "[collector]") {
  const std::string name = GENERATE(test::kSqliteBackend, test::kPostgresBackend);
  INFO("backend " << name);
  test::StorageBackend backend(name);
  std::atomic<int> changes{0};
  std::mutex mutex;
  std::set<std::string> devices;  // GUARDED_BY(mutex)
  const bool watching = backend.tasks().watchChanges([&](const std::string& device) {
    std::lock_guard lock(mutex);
    devices.insert(device);
    ++changes;
  });
  // A SQLite file has one collector: nobody else changes it, so there is nothing to tell.
  CHECK(watching == backend.sharedAcrossProcesses());
  if (!watching) return;
  // The listener reports once when it starts listening (it may have missed something).
  REQUIRE(test::waitUntil([&] { return changes > 0; }));
  const int before = changes;
  REQUIRE(backend.peerTasks().addTask(taskFor("d-1", "t-1")));
  CHECK(test::waitUntil([&] { return changes > before; }));
  const int afterAdd = changes;
  REQUIRE(*backend.peerTasks().completeTask("d-1", "t-1", "answered", "", "{}", WallClock::now()));
  CHECK(test::waitUntil([&] { return changes > afterAdd; }));
  {
    std::lock_guard lock(mutex);
    CHECK(devices.count("d-1") == 1);  // the device whose tasks changed
  }
  backend.tasks().watchChanges(nullptr);  // joins the listener before `changes` goes away
}
