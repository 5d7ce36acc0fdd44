#include "store/migrations.h"

#include <catch2/catch.hpp>
#include <map>

#include "agent/service/schema.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::store;
using tillid::test::TempDir;

namespace {

// The schema as SQLite records it, without the bookkeeping of when migrations ran.
std::map<std::string, std::string> schemaOf(Database& db) {
  std::map<std::string, std::string> out;
  auto stmt = db.prepare("SELECT type || ':' || name, coalesce(sql, '') FROM sqlite_master");
  REQUIRE(stmt.isOk());
  for (;;) {
    auto row = stmt->step();
    REQUIRE(row.isOk());
    if (!*row) break;
    out[stmt->text(0)] = stmt->text(1);
  }
  return out;
}

std::vector<SchemaModule> allModules() {
  std::vector<SchemaModule> modules{storeSchema()};
  for (auto& m : agentSchemaModules()) modules.push_back(m);
  return modules;
}

}  // namespace

TEST_CASE("migrating from every earlier version reaches the same schema as a fresh store",
          "[store][migrations]") {
  TempDir dir;
  const auto modules = allModules();
  std::map<std::string, std::string> fresh;
  {
    auto db = Database::open(dir.file("fresh.db"), OpenMode::kReadWriteCreate);
    REQUIRE(db.isOk());
    REQUIRE(migrate(*db, modules).isOk());
    fresh = schemaOf(*db);
  }
  int checked = 0;
  for (const auto& module : modules) {
    for (int version = 0; version < static_cast<int>(module.migrations.size()); ++version) {
      DYNAMIC_SECTION(module.name << " from version " << version) {
        const std::string path = dir.file(module.name + "-" + std::to_string(version) + ".db");
        {
          auto db = Database::open(path, OpenMode::kReadWriteCreate);
          REQUIRE(db.isOk());
          REQUIRE(migrate(*db, modules, {{module.name, version}}).isOk());
          auto versions = schemaVersions(*db);
          REQUIRE(versions.isOk());
          CHECK((*versions)[module.name] == version);
        }
        auto db = Database::open(path, OpenMode::kReadWriteCreate);
        REQUIRE(db.isOk());
        auto applied = migrate(*db, modules);
        REQUIRE(applied.isOk());
        REQUIRE(applied->size() == 1);
        CHECK(applied->front().fromVersion == version);
        CHECK(schemaOf(*db) == fresh);
        CHECK(checkIntegrity(*db).isOk());
      }
      checked++;
    }
  }
  CHECK(checked >= static_cast<int>(modules.size()));
}

TEST_CASE("a failing migration leaves the module at its previous version", "[store][migrations]") {
  TempDir dir;
  auto db = Database::open(dir.file("t.db"), OpenMode::kReadWriteCreate);
  REQUIRE(db.isOk());
  const SchemaModule good{"m", {{"one", "CREATE TABLE a(x)"}}};
  REQUIRE(migrate(*db, {good}).isOk());
  const SchemaModule bad{"m",
                         {{"one", "CREATE TABLE a(x)"}, {"two", "CREATE TABLE b(x); nonsense"}}};
  auto applied = migrate(*db, {bad});
  REQUIRE_FALSE(applied.isOk());
  CHECK_THAT(applied.status().message(), Catch::Contains("migrating m to version 2 (two)"));
  auto versions = schemaVersions(*db);
  REQUIRE(versions.isOk());
  CHECK((*versions)["m"] == 1);
  auto b = db->queryText("SELECT name FROM sqlite_master WHERE name='b'");
  REQUIRE(b.isOk());
  CHECK_FALSE(b->has_value());  // rolled back with its version bump
}
