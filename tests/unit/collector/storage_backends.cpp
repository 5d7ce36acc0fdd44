#include "tests/unit/collector/storage_backends.h"

#include <catch2/catch.hpp>

#include "collector/postgres_storage.h"
#include "collector/postgres_task_store.h"
#include "collector/sqlite_storage.h"
#include "collector/sqlite_task_store.h"
#include "tests/support/postgres_server.h"

namespace tillid::test {

StorageBackend::StorageBackend(const std::string& name) {
  if (name == kSqliteBackend) {
    auto storage = collector::openSqliteStorage(dir_.file("collector.db"));
    INFO(storage.status().message());
    REQUIRE(storage);
    storage_ = std::move(*storage);
    auto tasks = collector::openSqliteTaskStore(dir_.file("tasks.db"));
    INFO(tasks.status().message());
    REQUIRE(tasks);
    tasks_ = std::move(*tasks);
    return;
  }
  REQUIRE(name == kPostgresBackend);
  const std::string conninfo = PostgresServer::shared().createDatabase();
  // Two pools on one database: two collectors, as far as PostgreSQL can tell.
  for (int i = 0; i < 2; ++i) {
    auto pool = collector::pg::Pool::open(conninfo, 8);
    INFO(pool.status().message());
    REQUIRE(pool);
    auto storage = collector::openPostgresStorage(*pool);
    INFO(storage.status().message());
    REQUIRE(storage);
    auto tasks = collector::openPostgresTaskStore(*pool);
    INFO(tasks.status().message());
    REQUIRE(tasks);
    (i == 0 ? storage_ : peerStorage_) = std::move(*storage);
    (i == 0 ? tasks_ : peerTasks_) = std::move(*tasks);
  }
}

}  // namespace tillid::test
