#pragma once
// The task queue and access log in one SQLite file beside the collector's database. One
// connection guarded by a mutex.

#include <memory>
#include <string>

#include "collector/task_store.h"

namespace tillid::collector {

// Opens (creating and migrating) the database at `path`.
Result<std::unique_ptr<TaskStore>> openSqliteTaskStore(const std::string& path);

}  // namespace tillid::collector
