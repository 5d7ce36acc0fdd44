#pragma once
// The task queue and access log in a PostgreSQL database shared by several collectors.
// Each method is one transaction on a pooled connection. A task is handed out once even
// when two collectors poll for the same device at once (row locks, SKIP LOCKED). Every
// change sends NOTIFY tillid_tasks; watchChanges() LISTENs on a connection of its own so
// a collector wakes its waiting polls when another collector queued or answered a task.
// Thread-safe.

#include <memory>

#include "collector/postgres_connection.h"
#include "collector/task_store.h"

namespace tillid::collector {

// Creates or migrates the schema and returns the store. `pool` may be shared with the
// Storage.
Result<std::unique_ptr<TaskStore>> openPostgresTaskStore(std::shared_ptr<pg::Pool> pool);

}  // namespace tillid::collector
