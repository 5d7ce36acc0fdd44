#pragma once
// Opening the agent's database: integrity check, recovery of a corrupt file (moved
// aside, never deleted), and migrations. What happened is returned so that the caller
// can write it to the security log.

#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/migrations.h"

namespace tillid::store {

struct Recovery {
  std::string reason;   // what the integrity check or SQLite said
  std::string movedTo;  // where the damaged file now is
};

struct OpenedStore {
  Database db;
  std::vector<AppliedMigration> migrations;
  std::optional<Recovery> recovery;
};

// The store's own tables (meta: small key/value facts such as last_write). Always first.
SchemaModule storeSchema();

// The statement that creates storeSchema()'s `meta` table. A module whose migration reads
// meta runs it first, so the module migrates on its own; SQLite records the table without
// "IF NOT EXISTS", so the schema is the same whichever module created it.
inline constexpr const char* kCreateMetaTable =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

// Opens (creating if needed) the database at `path` and migrates storeSchema() and then
// `modules` to their latest versions.
Result<OpenedStore> openStore(const std::string& path, const std::vector<SchemaModule>& modules,
                              int busyTimeoutMs = 5000);

// Runs SQLite's integrity check; ok when the database is sound.
Status checkIntegrity(Database& db);

}  // namespace tillid::store

namespace tillid::store {

// Small facts in the meta table (last_write, last_recovery, config hash, ...).
Status setMeta(Database& db, const std::string& key, const std::string& value);
Result<std::optional<std::string>> getMeta(Database& db, const std::string& key);
// Adds `count` to the count stored under `key` (absent: 0). A stored value that is not a
// count restarts at `count`, with an error in the log: a damaged fact must not stop writes.
Status addToMetaCount(Database& db, const std::string& key, uint64_t count);

// Records about people. A module marks each table holding them with the migration
// personalTableMigration() (trigger "personal_records_<table>"); once
// closePersonalRecords() ran (a reset order was accepted), the store drops every new row of
// such a table, an upsert's update included, whichever connection or process inserts it.
// So nothing about a leaving employee is recorded after the reset erased and verified
// their data. `personalRow` (SQL on NEW) narrows it to some rows; default every row.
Migration personalTableMigration(const std::string& table, const std::string& personalRow = "1");
// REQUIRES: in the transaction that records why (the accepted run), so both land together.
Status closePersonalRecords(Database& db, const std::string& since);

}  // namespace tillid::store
