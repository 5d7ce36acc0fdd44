#pragma once
// The collector's tables, written once for both backends (SQLite and PostgreSQL): their
// SQL differs only in the integer type and in how the ordering columns are generated.
// Append-only, like every schema module (store/migrations.h).

#include "store/migrations.h"

namespace tillid::collector {

struct SqlDialect {
  const char* integer;         // counters and sizes
  const char* taskSequence;    // tasks.seq: creation order, set by the database
  const char* accessSequence;  // access_log.seq: the key, in insertion order
};

inline constexpr SqlDialect kSqliteDialect{"INTEGER", "INTEGER NOT NULL", "INTEGER PRIMARY KEY"};
inline constexpr SqlDialect kPostgresDialect{"BIGINT", "BIGINT GENERATED ALWAYS AS IDENTITY",
                                             "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"};

// Tokens, devices, batches, records and usage (Storage).
store::SchemaModule collectorSchema(const SqlDialect& dialect);
// Tasks and the access log (TaskStore).
store::SchemaModule taskSchema(const SqlDialect& dialect);

}  // namespace tillid::collector
