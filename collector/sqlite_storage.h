#pragma once
// Storage in one SQLite file (the collector's embedded default). One connection guarded
// by a mutex: SQLite serialises writers anyway, and batches are small transactions.

#include <memory>
#include <string>

#include "collector/storage.h"

namespace tillid::collector {

// Opens (creating and migrating) the database at `path`.
Result<std::unique_ptr<Storage>> openSqliteStorage(const std::string& path);

}  // namespace tillid::collector
