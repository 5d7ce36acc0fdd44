#pragma once
// The collector's storage and task store on the configured backend ("storage.*" keys,
// docs/configuration.md): SQLite files in the state directory (the default, one
// collector), or one PostgreSQL database that several collectors share.

#include <memory>
#include <string>

#include "collector/storage.h"
#include "collector/task_store.h"
#include "common/config.h"

namespace tillid::collector {

struct CollectorStores {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<TaskStore> tasks;
};

// Opens both, creating or migrating their schemas. kInvalidArgument for a configuration
// that cannot work (postgresql without a connection string); kUnavailable when the
// database cannot be reached.
Result<CollectorStores> openCollectorStores(const Config& config, const std::string& stateDir);

}  // namespace tillid::collector
