#include "store/store.h"

#include <Poco/File.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "agent/service/schema.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::store;
using tillid::test::TempDir;

namespace {

// Overwrites `length` bytes at `offset` in a file, as a failing disk or a stray write would.
void damage(const std::string& path, std::streamoff offset, size_t length) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  f << std::string(length, '\x5a');
}

int64_t count(Database& db, const std::string& table) {
  auto text = db.queryText("SELECT count(*) FROM " + table);
  REQUIRE(text.isOk());
  return std::stoll(text->value());
}

}  // namespace

TEST_CASE("a new store is created in WAL mode with every module migrated", "[store]") {
  TempDir dir;
  auto opened = openStore(dir.file("t.db"), agentSchemaModules());
  REQUIRE(opened.isOk());
  CHECK_FALSE(opened->recovery.has_value());
  CHECK(opened->migrations.size() == agentSchemaModules().size() + 1);  // + the store module
  auto mode = opened->db.queryText("PRAGMA journal_mode");
  REQUIRE(mode.isOk());
  CHECK(mode->value() == "wal");
  REQUIRE(checkIntegrity(opened->db).isOk());

  // Opening again applies nothing.
  opened->db = Database();
  auto again = openStore(dir.file("t.db"), agentSchemaModules());
  REQUIRE(again.isOk());
  CHECK(again->migrations.empty());
}

TEST_CASE("meta facts are upserted", "[store]") {
  TempDir dir;
  auto opened = openStore(dir.file("t.db"), {});
  REQUIRE(opened.isOk());
  REQUIRE(setMeta(opened->db, "k", "1").isOk());
  REQUIRE(setMeta(opened->db, "k", "2").isOk());
  auto value = getMeta(opened->db, "k");
  REQUIRE(value.isOk());
  CHECK(value->value() == "2");
  auto absent = getMeta(opened->db, "nothing");
  REQUIRE(absent.isOk());
  CHECK_FALSE(absent->has_value());
}

TEST_CASE("meta counts add up, and a damaged count restarts instead of failing", "[store]") {
  TempDir dir;
  auto opened = openStore(dir.file("t.db"), {});
  REQUIRE(opened.isOk());
  REQUIRE(addToMetaCount(opened->db, "n", 2).isOk());
  REQUIRE(addToMetaCount(opened->db, "n", 3).isOk());
  CHECK(getMeta(opened->db, "n")->value() == "5");
  for (const char* damaged : {"twelve", "", "7x", "-1", "99999999999999999999999"}) {
    INFO(damaged);
    REQUIRE(setMeta(opened->db, "n", damaged).isOk());
    REQUIRE(addToMetaCount(opened->db, "n", 4).isOk());
    CHECK(getMeta(opened->db, "n")->value() == "4");
  }
}

TEST_CASE("a file that is not a database is moved aside, never deleted", "[store][recovery]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  tillid::test::writeFile(path, std::string(8192, 'x'));
  auto opened = openStore(path, agentSchemaModules());
  REQUIRE(opened.isOk());
  REQUIRE(opened->recovery.has_value());
  CHECK(Poco::File(opened->recovery->movedTo).exists());
  CHECK(tillid::test::readFile(opened->recovery->movedTo) == std::string(8192, 'x'));
  CHECK(checkIntegrity(opened->db).isOk());
}

TEST_CASE("a database with damaged pages is detected and replaced", "[store][recovery]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  {
    auto opened = openStore(path, {});
    REQUIRE(opened.isOk());
    REQUIRE(opened->db.exec("CREATE TABLE t(x TEXT); CREATE INDEX tx ON t(x);").isOk());
    for (int i = 0; i < 2000; ++i) {
      REQUIRE(opened->db.exec("INSERT INTO t VALUES(hex(randomblob(64)))").isOk());
    }
    REQUIRE(opened->db.exec("PRAGMA wal_checkpoint(TRUNCATE)").isOk());
  }
  // Keep the header (first page) intact so SQLite opens the file; ruin later pages.
  damage(path, 4096 * 3, 4096 * 4);
  auto opened = openStore(path, {});
  REQUIRE(opened.isOk());
  REQUIRE(opened->recovery.has_value());
  CHECK_FALSE(opened->recovery->reason.empty());
  CHECK(Poco::File(opened->recovery->movedTo).exists());
  auto tables = opened->db.queryText("SELECT count(*) FROM sqlite_master WHERE name='t'");
  REQUIRE(tables.isOk());
  CHECK(tables->value() == "0");  // a fresh database
  CHECK(count(opened->db, "meta") == 0);
}

TEST_CASE("a database from a newer agent is refused, not downgraded", "[store]") {
  TempDir dir;
  const std::string path = dir.file("t.db");
  {
    auto opened = openStore(path, agentSchemaModules());
    REQUIRE(opened.isOk());
    REQUIRE(opened->db.exec("UPDATE schema_versions SET version=99 WHERE module='audit'").isOk());
  }
  auto opened = openStore(path, agentSchemaModules());
  REQUIRE_FALSE(opened.isOk());
  CHECK(opened.status().code() == ErrorCode::kConflict);
  CHECK_THAT(opened.status().message(), Catch::Contains("version 99"));
}
