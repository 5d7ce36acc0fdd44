#include "collector/postgres_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

namespace tillid::collector::pg {
namespace {

// SQLSTATEs after which the whole transaction may simply run again.
bool retryable(const std::string& sqlState) {
  return sqlState == "40001" /* serialization_failure */ ||
         sqlState == "40P01" /* deadlock_detected */;
}

std::string trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// "CREATE TABLE IF NOT EXISTS ... skipping" and the like would go to stderr otherwise.
void ignoreNotice(void*, const char*) {}

constexpr int kAttempts = 5;
// One key for the whole cluster: schema changes of every collector run one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7451020315)";

}  // namespace

Rows::Rows(pg_result* result) : result_(result) {}
Rows::~Rows() {
  PQclear(result_);
}
Rows::Rows(Rows&& other) noexcept : result_(other.result_) {
  other.result_ = nullptr;
}
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int Rows::size() const {
  return result_ == nullptr ? 0 : PQntuples(result_);
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t Rows::int64(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

int64_t Rows::affected() const {
  const char* count = PQcmdTuples(result_);
  return count == nullptr || *count == '\0' ? 0 : std::strtoll(count, nullptr, 10);
}

Result<Rows> Session::exec(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  Rows rows(params.empty() ? PQexec(connection_, sql.c_str())
                           : PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()),
                                          nullptr, values.data(), nullptr, nullptr, 0));
  pg_result* raw = rows.result_;
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    lastSqlState_.clear();
    return rows;
  }
  const char* state = raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  lastSqlState_ = state == nullptr ? "" : state;
  const bool lost = PQstatus(connection_) != CONNECTION_OK;
  return Status::error(lost ? ErrorCode::kUnavailable : ErrorCode::kIo,
                       "PostgreSQL: " + trimmed(raw == nullptr ? PQerrorMessage(connection_)
                                                               : PQresultErrorMessage(raw)));
}

Result<pg_conn*> connect(const std::string& conninfo) {
  pg_conn* connection = PQconnectdb(conninfo.c_str());
  if (connection == nullptr || PQstatus(connection) != CONNECTION_OK) {
    const std::string reason =
        connection == nullptr ? "out of memory" : trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    return Status::error(ErrorCode::kUnavailable,
                         "cannot connect to PostgreSQL (storage.postgresql): " + reason);
  }
  PQsetNoticeProcessor(connection, ignoreNotice, nullptr);
  return connection;
}

void disconnect(pg_conn* connection) {
  PQfinish(connection);
}

struct Pool::State {
  const int maxConnections;
  const std::chrono::milliseconds acquireTimeout;
  std::mutex mutex;
  std::condition_variable released;
  std::vector<pg_conn*> idle;  // GUARDED_BY(mutex)
  int open = 0;                // GUARDED_BY(mutex): idle and borrowed
};

Pool::Pool(std::string conninfo, int maxConnections, std::chrono::milliseconds acquireTimeout)
    : conninfo_(std::move(conninfo)),
      state_(new State{maxConnections, acquireTimeout, {}, {}, {}, 0}) {}

Pool::~Pool() {
  for (pg_conn* c : state_->idle) PQfinish(c);
}

Result<std::shared_ptr<Pool>> Pool::open(const std::string& conninfo, int maxConnections,
                                         std::chrono::milliseconds acquireTimeout) {
  std::shared_ptr<Pool> pool(new Pool(conninfo, std::max(1, maxConnections), acquireTimeout));
  auto first = pool->acquire();
  if (!first) return first.status();
  pool->release(*first);
  return pool;
}

Result<pg_conn*> Pool::acquire() {
  {
    std::unique_lock lock(state_->mutex);
    const bool free = state_->released.wait_for(lock, state_->acquireTimeout, [&] {
      return !state_->idle.empty() || state_->open < state_->maxConnections;
    });
    if (!free) {
      return Status::error(
          ErrorCode::kUnavailable,
          "all " + std::to_string(state_->maxConnections) + " PostgreSQL connections are busy");
    }
    if (!state_->idle.empty()) {
      pg_conn* c = state_->idle.back();
      state_->idle.pop_back();
      return c;
    }
    ++state_->open;  // reserved; connected below without the lock
  }
  auto connected = connect(conninfo_);
  if (!connected) {
    std::lock_guard lock(state_->mutex);
    --state_->open;
    state_->released.notify_one();
  }
  return connected;
}

void Pool::release(pg_conn* connection) {
  std::lock_guard lock(state_->mutex);
  if (PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE) {
    state_->idle.push_back(connection);
  } else {
    // Broken or left mid-transaction: the next caller connects afresh.
    PQfinish(connection);
    --state_->open;
  }
  state_->released.notify_one();
}

Status Pool::run(const std::function<Status(Session&)>& body, bool wrap) {
  Status last = Status::ok();
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto connection = acquire();
    if (!connection) return connection.status();
    Session session(*connection);
    Status done = wrap ? session.exec("BEGIN").status() : Status::ok();
    if (done) done = body(session);
    if (done && wrap) done = session.exec("COMMIT").status();
    const bool again = !done && retryable(session.lastSqlState());
    if (!done && wrap) (void)session.exec("ROLLBACK");
    release(*connection);
    if (done || !again) return done;
    last = done;
  }
  return last;
}

Status migrate(Pool& pool, const std::vector<store::SchemaModule>& modules) {
  return pool.transaction([&](Session& s) -> Status {
    TILLID_RETURN_IF_ERROR(s.exec(kMigrationLock).status());
    TILLID_RETURN_IF_ERROR(s.exec("CREATE TABLE IF NOT EXISTS schema_versions ("
                                  "module TEXT PRIMARY KEY, version INTEGER NOT NULL)")
                               .status());
    for (const auto& module : modules) {
      auto known = s.exec("SELECT version FROM schema_versions WHERE module = $1", {module.name});
      if (!known) return known.status();
      const int current = known->size() == 0 ? 0 : static_cast<int>(known->int64(0, 0));
      const int latest = static_cast<int>(module.migrations.size());
      if (current > latest) {
        return Status::error(ErrorCode::kConflict,
                             "the PostgreSQL database's '" + module.name + "' schema is version " +
                                 std::to_string(current) + " but this collector knows only " +
                                 std::to_string(latest) + "; run the newer collector");
      }
      for (int version = current + 1; version <= latest; ++version) {
        TILLID_RETURN_IF_ERROR(
            s.exec(module.migrations[static_cast<size_t>(version - 1)].sql).status());
      }
      if (current != latest) {
        TILLID_RETURN_IF_ERROR(s.exec("INSERT INTO schema_versions (module, version) VALUES "
                                      "($1, $2) ON CONFLICT (module) DO UPDATE SET version = $2",
                                      {module.name, param(latest)})
                                   .status());
      }
    }
    return Status::ok();
  });
}

}  // namespace tillid::collector::pg
