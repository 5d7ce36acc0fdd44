#include "store/writer.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::store;
using tillid::test::TempDir;

namespace {

Writer::Job insert(int value) {
  return [value](Database& db) -> Status {
    auto stmt = db.prepare("INSERT INTO t(x) VALUES(?1)");
    if (!stmt) return stmt.status();
    return stmt->bind(1, int64_t{value}).run();
  };
}

int64_t rows(const std::string& path) {
  auto db = Database::open(path, OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  auto text = db->queryText("SELECT count(*) FROM t");
  REQUIRE(text.isOk());
  return std::stoll(text->value());
}

Database prepared(const std::string& path) {
  auto opened = openStore(path, {{"t", {{"test table", "CREATE TABLE t(x INTEGER)"}}}});
  REQUIRE(opened.isOk());
  return std::move(opened->db);
}

}  // namespace

TEST_CASE("writes from many threads are committed in batches", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Writer writer(prepared(path), {100, std::chrono::milliseconds(20), {}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&writer, t] {
      for (int i = 0; i < 500; ++i) writer.submit(insert(t * 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(writer.flush().isOk());
  CHECK(rows(path) == 2000);
  const WriterStats stats = writer.stats();
  CHECK(stats.jobsCommitted == 2000);
  CHECK(stats.jobsFailed == 0);
  CHECK(stats.commits < 100);  // batched: far fewer transactions than writes
}

TEST_CASE("flush waits for every write submitted before it", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  // A long batch delay: without flush nothing would be committed for a minute.
  Writer writer(prepared(path), {100000, std::chrono::minutes(1), {}});
  for (int i = 0; i < 10; ++i) writer.submit(insert(i));
  REQUIRE(writer.flush().isOk());
  CHECK(rows(path) == 10);
}

TEST_CASE("a failing write is rolled back alone", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Writer writer(prepared(path), {100, std::chrono::milliseconds(10), {}});
  writer.submit(insert(1));
  writer.submit([](Database& db) -> Status {
    TILLID_RETURN_IF_ERROR(db.exec("INSERT INTO t(x) VALUES(2)"));
    return db.exec("INSERT INTO no_such_table VALUES(1)");
  });
  writer.submit(insert(3));
  REQUIRE(writer.flush().isOk());
  CHECK(rows(path) == 2);
  CHECK(writer.stats().jobsFailed == 1);
  CHECK_THAT(writer.stats().lastError, Catch::Contains("no_such_table"));
}

TEST_CASE("stop commits everything still queued", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  {
    Writer writer(prepared(path), {100000, std::chrono::minutes(1), {}});
    for (int i = 0; i < 50; ++i) writer.submit(insert(i));
    writer.stop();
    writer.submit(insert(99));  // refused after stop, counted
    CHECK(writer.stats().jobsFailed == 1);
  }
  CHECK(rows(path) == 50);
}

TEST_CASE("a reader during a long write sees only committed batches", "[store][writer]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Writer writer(prepared(path), {100000, std::chrono::minutes(1), {}});
  for (int i = 0; i < 20; ++i) writer.submit(insert(i));
  REQUIRE(writer.flush().isOk());
  std::atomic<bool> release{false};
  writer.submit([&release](Database& db) -> Status {
    TILLID_RETURN_IF_ERROR(db.exec("INSERT INTO t(x) VALUES(100)"));
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::ok();
  });
  std::thread flusher([&writer] { (void)writer.flush(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(rows(path) == 20);  // WAL: the open transaction is invisible to readers
  release = true;
  flusher.join();
  CHECK(rows(path) == 21);
}
