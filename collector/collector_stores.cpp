#include "collector/collector_stores.h"

#include "collector/postgres_storage.h"
#include "collector/postgres_task_store.h"
#include "collector/sqlite_storage.h"
#include "collector/sqlite_task_store.h"

namespace tillid::collector {

Result<CollectorStores> openCollectorStores(const Config& config, const std::string& stateDir) {
  CollectorStores stores;
  if (config.string("storage.backend") == "postgresql") {
    const std::string conninfo = config.string("storage.postgresql");
    if (conninfo.empty()) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "storage.backend is postgresql but storage.postgresql (a libpq "
                           "connection string) is empty");
    }
    auto pool = pg::Pool::open(conninfo,
                               static_cast<int>(config.integer("storage.postgresql_connections")));
    if (!pool) return pool.status();
    auto storage = openPostgresStorage(*pool);
    if (!storage) return storage.status();
    auto tasks = openPostgresTaskStore(*pool);
    if (!tasks) return tasks.status();
    stores.storage = std::move(*storage);
    stores.tasks = std::move(*tasks);
    return stores;
  }
  auto storage = openSqliteStorage(stateDir + "/collector.db");
  if (!storage) return storage.status();
  auto tasks = openSqliteTaskStore(stateDir + "/tasks.db");
  if (!tasks) return tasks.status().withContext("task storage");
  stores.storage = std::move(*storage);
  stores.tasks = std::move(*tasks);
  return stores;
}

}  // namespace tillid::collector
