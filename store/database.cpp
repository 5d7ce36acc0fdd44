#include "store/database.h"

#include <sqlite3.h>

namespace tillid::store {

Status sqliteStatus(sqlite3* db, int rc, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::ok();
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kIo;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) code = ErrorCode::kCorrupt;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = ErrorCode::kUnavailable;
  if (primary == SQLITE_PERM || primary == SQLITE_READONLY || primary == SQLITE_AUTH) {
    code = ErrorCode::kPermission;
  }
  if (primary == SQLITE_CANTOPEN) code = ErrorCode::kNotFound;
  if (primary == SQLITE_FULL) code = ErrorCode::kNoSpace;
  if (primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_RANGE) {
    code = ErrorCode::kInvalidArgument;
  }
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Status::error(code, what + ": " + detail);
}

void Statement::Finalizer::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}
void Database::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqliteStatus(db_, rc, "executing statement");
}

Status Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) return more.status();
    if (!*more) break;
  }
  reset();
  return Status::ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}
bool Statement::isNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
                      : std::string();
}

Result<Database> Database::open(const std::string& path, OpenMode mode, int busyTimeoutMs) {
  sqlite3* raw = nullptr;
  const int flags = mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  db.path_ = path;
  if (rc != SQLITE_OK) return sqliteStatus(raw, rc, "opening " + path);
  sqlite3_busy_timeout(raw, busyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  if (mode == OpenMode::kReadWriteCreate) {
    TILLID_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                   "PRAGMA foreign_keys=ON;")
                               .withContext("opening " + path));
  }
  return db;
}

Status Database::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::ok();
  Status status = sqliteStatus(db_.get(), rc, "executing SQL");
  sqlite3_free(error);
  return status;
}

Result<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return sqliteStatus(db_.get(), rc, "preparing SQL");
  }
  return Statement(std::unique_ptr<sqlite3_stmt, Statement::Finalizer>(raw), db_.get());
}

Result<std::optional<std::string>> Database::queryText(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

int64_t Database::lastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_.get());
}
int Database::changes() const {
  return sqlite3_changes(db_.get());
}

Transaction::Transaction(Database& db) : db_(db), begun_(db.exec("BEGIN IMMEDIATE")) {
  open_ = begun_.isOk();
}

Transaction::~Transaction() {
  if (open_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  if (!open_)
    return begun_.isOk() ? Status::error(ErrorCode::kInternal, "already committed") : begun_;
  Status status = db_.exec("COMMIT");
  if (status.isOk()) open_ = false;
  return status;
}

}  // namespace tillid::store
