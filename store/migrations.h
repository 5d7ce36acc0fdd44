#pragma once
// Forward-only schema migrations, kept per component ("schema module") so that each part
// of the agent owns its tables and their history. A module's version is its number of
// applied migrations; each migration runs in one transaction with its version bump.

#include <map>
#include <string>
#include <vector>

#include "store/database.h"

namespace tillid::store {

struct Migration {
  std::string description;
  std::string sql;  // may hold several statements
};

struct SchemaModule {
  std::string name;
  std::vector<Migration> migrations;  // version N is migrations[N-1]; append only
};

struct AppliedMigration {
  std::string module;
  int fromVersion = 0;
  int toVersion = 0;
};

// Brings every module to its latest version (or to limits[module] when given, which
// tests use to build databases at earlier versions). Refuses a database that is newer
// than this binary knows, since downgrades are not supported.
Result<std::vector<AppliedMigration>> migrate(Database& db,
                                              const std::vector<SchemaModule>& modules,
                                              const std::map<std::string, int>& limits = {});

// The recorded version of each module (absent: 0).
Result<std::map<std::string, int>> schemaVersions(Database& db);

}  // namespace tillid::store
