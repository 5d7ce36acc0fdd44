#include "store/migrations.h"

#include "common/time.h"

namespace tillid::store {

Result<std::map<std::string, int>> schemaVersions(Database& db) {
  std::map<std::string, int> versions;
  auto exists =
      db.queryText("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_versions'");
  if (!exists) return exists.status();
  if (!exists->has_value()) return versions;
  auto stmt = db.prepare("SELECT module, version FROM schema_versions");
  if (!stmt) return stmt.status();
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    versions[stmt->text(0)] = static_cast<int>(stmt->int64(1));
  }
  return versions;
}

Result<std::vector<AppliedMigration>> migrate(Database& db,
                                              const std::vector<SchemaModule>& modules,
                                              const std::map<std::string, int>& limits) {
  TILLID_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_versions ("
              " module TEXT PRIMARY KEY, version INTEGER NOT NULL, updated TEXT NOT NULL)"));
  auto versions = schemaVersions(db);
  if (!versions) return versions.status();

  std::vector<AppliedMigration> applied;
  for (const auto& module : modules) {
    const int latest = static_cast<int>(module.migrations.size());
    const auto limit = limits.find(module.name);
    const int target = limit != limits.end() ? limit->second : latest;
    const int current = (*versions)[module.name];
    if (current > latest) {
      return Status::error(ErrorCode::kConflict,
                           "the database's '" + module.name + "' schema is version " +
                               std::to_string(current) + " but this agent knows only " +
                               std::to_string(latest) + "; install the newer agent again");
    }
    for (int version = current + 1; version <= target; ++version) {
      Transaction tx(db);
      TILLID_RETURN_IF_ERROR(tx.begun());
      const Migration& m = module.migrations[static_cast<size_t>(version - 1)];
      TILLID_RETURN_IF_ERROR(db.exec(m.sql).withContext("migrating " + module.name +
                                                        " to version " + std::to_string(version) +
                                                        " (" + m.description + ")"));
      auto bump = db.prepare(
          "INSERT INTO schema_versions(module, version, updated) VALUES(?1, ?2, ?3) "
          "ON CONFLICT(module) DO UPDATE SET version=excluded.version, updated=excluded.updated");
      if (!bump) return bump.status();
      TILLID_RETURN_IF_ERROR(bump->bind(1, module.name)
                                 .bind(2, int64_t{version})
                                 .bind(3, formatTimestamp(WallClock::now()))
                                 .run());
      TILLID_RETURN_IF_ERROR(tx.commit());
    }
    if (target > current) applied.push_back({module.name, current, target});
  }
  return applied;
}

}  // namespace tillid::store
