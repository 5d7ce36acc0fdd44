#pragma once
// The PostgreSQL side of the collector's storage, on libpq: a bounded pool of connections
// to one database (libpq connection string), transactions with retry on serialization
// failures, and versioned schema modules migrated under an advisory lock so that several
// collectors may start at once.
//
// Every query takes its parameters as text ($1, $2, ...); PostgreSQL infers their types
// from the statement. Results are read as text and converted by the caller.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/migrations.h"

struct pg_conn;
struct pg_result;

namespace tillid::collector::pg {

// The rows of one statement. Owns the libpq result.
class Rows {
 public:
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  std::string text(int row, int column) const;
  int64_t int64(int row, int column) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const;

 private:
  friend class Session;
  pg_result* result_ = nullptr;
};

// One row of Rows with the accessors of store::Statement, so row readers serve both
// backends (storage_rows.h).
struct Row {
  const Rows& rows;
  int index;
  std::string text(int column) const { return rows.text(index, column); }
  int64_t int64(int column) const { return rows.int64(index, column); }
};

// A connection borrowed from the Pool for one transaction. Not thread-safe.
class Session {
 public:
  explicit Session(pg_conn* connection) : connection_(connection) {}
  // Without parameters `sql` may hold several statements (migrations).
  Result<Rows> exec(const std::string& sql, const std::vector<std::string>& params = {});
  // The SQLSTATE of the last failed statement ("" after a success).
  const std::string& lastSqlState() const { return lastSqlState_; }

 private:
  pg_conn* connection_;
  std::string lastSqlState_;
};

class Pool {
 public:
  // Connects once to check `conninfo` (kUnavailable with libpq's reason when it fails).
  // At most `maxConnections` are open at once; a caller waits for a free one up to
  // `acquireTimeout`.
  static Result<std::shared_ptr<Pool>> open(
      const std::string& conninfo, int maxConnections,
      std::chrono::milliseconds acquireTimeout = std::chrono::seconds(30));
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs `body` in one transaction (READ COMMITTED) on a pooled connection: commits when
  // it returns ok, rolls back otherwise. Retried (a few times) when PostgreSQL reports a
  // serialization failure or deadlock, so `body` must only touch its own locals besides
  // the session. Thread-safe.
  Status transaction(const std::function<Status(Session&)>& body) { return run(body, true); }

  // Runs one statement, which PostgreSQL makes a transaction of its own (no BEGIN/COMMIT
  // round trips); each row it returns becomes `read(Row)`. Retried like transaction().
  template <typename T, typename Read>
  Result<std::vector<T>> select(const std::string& sql, const std::vector<std::string>& params,
                                Read read) {
    std::vector<T> out;
    Status done = run(
        [&](Session& s) -> Status {
          auto rows = s.exec(sql, params);
          if (!rows) return rows.status();
          out.clear();
          for (int i = 0; i < rows->size(); ++i) out.push_back(read(Row{*rows, i}));
          return Status::ok();
        },
        false);
    if (!done) return done;
    return out;
  }

  const std::string& conninfo() const { return conninfo_; }

 private:
  struct State;
  Pool(std::string conninfo, int maxConnections, std::chrono::milliseconds acquireTimeout);
  // `body` on a pooled connection, between BEGIN and COMMIT when `wrap`.
  Status run(const std::function<Status(Session&)>& body, bool wrap);
  Result<pg_conn*> acquire();
  void release(pg_conn* connection);

  const std::string conninfo_;
  std::unique_ptr<State> state_;
};

// Opens a new connection outside any pool (for LISTEN). kUnavailable with the reason.
Result<pg_conn*> connect(const std::string& conninfo);
void disconnect(pg_conn* connection);

// Brings every module to its latest version in one transaction under a cluster-wide
// advisory lock (two collectors starting at once migrate one after the other). Versions
// live in the table schema_versions; a database newer than this binary is refused.
Status migrate(Pool& pool, const std::vector<store::SchemaModule>& modules);

// The text form of an integer parameter.
inline std::string param(int64_t value) {
  return std::to_string(value);
}

}  // namespace tillid::collector::pg
