#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements, and
// errors as Status. Not thread-safe: a connection belongs to one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tillid::store {

class Statement {
 public:
  Statement() = default;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
  Statement& bindNull(int index);

  // Advances to the next row: true while there is a row, false when done.
  Result<bool> step();
  // Runs a statement that returns no rows (or ignores them).
  Status run();
  void reset();

  int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  Statement(std::unique_ptr<sqlite3_stmt, Finalizer> stmt, sqlite3* db)
      : stmt_(std::move(stmt)), db_(db) {}

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_ = nullptr;
};

enum class OpenMode { kReadWriteCreate, kReadOnly };

class Database {
 public:
  // Opens the file; writable connections use WAL and NORMAL synchronous mode (durable
  // against process crashes; a power cut can lose only the last commits, never corrupt).
  static Result<Database> open(const std::string& path, OpenMode mode, int busyTimeoutMs = 5000);

  Database() = default;

  Status exec(const std::string& sql);
  Result<Statement> prepare(const std::string& sql);
  // First column of the first row as text, or nullopt when there is no row.
  Result<std::optional<std::string>> queryText(const std::string& sql);
  int64_t lastInsertRowId() const;
  int changes() const;
  const std::string& path() const { return path_; }
  bool isOpen() const { return db_ != nullptr; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// Translates an SQLite result code and the connection's message into a Status.
Status sqliteStatus(sqlite3* db, int rc, const std::string& what);

// RAII transaction: BEGIN IMMEDIATE on construction; rolls back unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& begun() const { return begun_; }
  Status commit();

 private:
  Database& db_;
  Status begun_;
  bool open_ = false;
};

}  // namespace tillid::store
