#pragma once
// The collector's storage backends for contract tests: every Storage and TaskStore test
// runs once per name in kStorageBackends, on a fresh empty database (a SQLite file in a
// temporary directory; a new database on the test executable's PostgreSQL server).

#include <memory>
#include <string>

#include "collector/storage.h"
#include "collector/task_store.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {

inline constexpr const char* kSqliteBackend = "sqlite";
inline constexpr const char* kPostgresBackend = "postgresql";

class StorageBackend {
 public:
  // REQUIREs that the backend opens.
  explicit StorageBackend(const std::string& name);

  collector::Storage& storage() { return *storage_; }
  collector::TaskStore& tasks() { return *tasks_; }
  // A second handle on the same data, as another collector process would have: its own
  // connections for PostgreSQL; the same objects for SQLite, whose file one collector
  // serves alone.
  collector::Storage& peerStorage() { return peerStorage_ ? *peerStorage_ : *storage_; }
  collector::TaskStore& peerTasks() { return peerTasks_ ? *peerTasks_ : *tasks_; }
  bool sharedAcrossProcesses() const { return peerStorage_ != nullptr; }

 private:
  TempDir dir_;
  std::unique_ptr<collector::Storage> storage_;
  std::unique_ptr<collector::TaskStore> tasks_;
  std::unique_ptr<collector::Storage> peerStorage_;
  std::unique_ptr<collector::TaskStore> peerTasks_;
};

}  // namespace tillid::test
