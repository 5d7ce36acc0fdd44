#pragma once
// Storage in a PostgreSQL database shared by any number of collectors (docs/store.md,
// "PostgreSQL"). Every method is one transaction on a connection from the pool; outcomes
// that depend on earlier rows (token uses, batch keys) are decided under row locks or by
// unique keys (INSERT ... ON CONFLICT), so collectors in different processes never count
// a use twice or store a batch twice. Thread-safe.

#include <memory>

#include "collector/postgres_connection.h"
#include "collector/storage.h"

namespace tillid::collector {

// Creates or migrates the schema (under the cluster-wide migration lock) and returns the
// storage. `pool` is shared with the task store.
Result<std::unique_ptr<Storage>> openPostgresStorage(std::shared_ptr<pg::Pool> pool);

}  // namespace tillid::collector
