#include "store/store.h"

#include <Poco/Exception.h>
#include <Poco/File.h>

#include <charconv>

#include "common/logging.h"
#include "common/time.h"
#include "platform/private_files.h"

namespace tillid::store {
namespace {

// Renames the database and its WAL and shared-memory files to "<path>.corrupt-<time>".
Result<std::string> moveAside(const std::string& path) {
  std::string stamp = formatTimestamp(WallClock::now());
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  const std::string target = path + ".corrupt-" + stamp;
  try {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      Poco::File file(path + suffix);
      if (file.exists()) file.renameTo(target + suffix);
    }
  } catch (const Poco::Exception& e) {
    return Status::error(ErrorCode::kIo, "moving damaged database aside: " + e.displayText());
  }
  return target;
}

// The store holds the security log and usage records: its owner (root, for the service)
// alone may read it. SQLite creates the -wal and -shm files with the database's mode;
// they are tightened too in case an older version left them open. A missing -wal is normal;
// a file that cannot be tightened is logged and the store still opens.
void restrictToOwner(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const Status restricted = platform::restrictToOwner(path + suffix);
    if (!restricted.isOk() && restricted.code() != ErrorCode::kNotFound) {
      logger("store").warning("cannot restrict to its owner: " + restricted.message());
    }
  }
}

}  // namespace

SchemaModule storeSchema() {
  return {"store", {{"key/value facts about the store", kCreateMetaTable}}};
}

Status checkIntegrity(Database& db) {
  auto stmt = db.prepare("PRAGMA integrity_check");
  if (!stmt) return stmt.status();
  std::string problems;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    const std::string line = stmt->text(0);
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  if (!problems.empty()) return Status::error(ErrorCode::kCorrupt, problems);
  return Status::ok();
}

Result<OpenedStore> openStore(const std::string& path, const std::vector<SchemaModule>& modules,
                              int busyTimeoutMs) {
  OpenedStore opened;
  auto db = Database::open(path, OpenMode::kReadWriteCreate, busyTimeoutMs);
  Status health = db ? checkIntegrity(*db) : db.status();
  if (health.code() == ErrorCode::kCorrupt) {
    if (db) *db = Database();  // close before renaming
    auto moved = moveAside(path);
    if (!moved) return moved.status();
    opened.recovery = Recovery{health.message(), *moved};
    db = Database::open(path, OpenMode::kReadWriteCreate, busyTimeoutMs);
    health = db ? checkIntegrity(*db) : db.status();
  }
  if (!health.isOk()) return health.withContext("opening the store " + path);
  restrictToOwner(path);
  std::vector<SchemaModule> all{storeSchema()};
  all.insert(all.end(), modules.begin(), modules.end());
  auto applied = migrate(*db, all);
  if (!applied) return applied.status().withContext("migrating the store " + path);
  opened.db = std::move(*db);
  opened.migrations = std::move(*applied);
  return opened;
}

}  // namespace tillid::store

namespace tillid::store {

Status setMeta(Database& db, const std::string& key, const std::string& value) {
  auto stmt = db.prepare(
      "INSERT INTO meta(key, value) VALUES(?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
  if (!stmt) return stmt.status();
  return stmt->bind(1, key).bind(2, value).run();
}

Result<std::optional<std::string>> getMeta(Database& db, const std::string& key) {
  auto stmt = db.prepare("SELECT value FROM meta WHERE key=?1");
  if (!stmt) return stmt.status();
  stmt->bind(1, key);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

Status addToMetaCount(Database& db, const std::string& key, uint64_t count) {
  auto stored = getMeta(db, key);
  if (!stored) return stored.status();
  const std::string text = stored->value_or("0");
  uint64_t total = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), total);
  if (error != std::errc() || end != text.data() + text.size()) {
    logger("store").error("meta " + key + " held '" + text + "', not a count: it restarts at " +
                          std::to_string(count));
    total = 0;
  }
  return setMeta(db, key, std::to_string(total + count));
}

namespace {
constexpr const char* kPersonalRecordsClosed = "personal_records_closed";
}  // namespace

Migration personalTableMigration(const std::string& table, const std::string& personalRow) {
  return {"no new rows in " + table + " once personal records are closed",
          "CREATE TRIGGER personal_records_" + table + " BEFORE INSERT ON " + table + " WHEN (" +
              personalRow + ") AND EXISTS (SELECT 1 FROM meta WHERE key = '" +
              kPersonalRecordsClosed + "') BEGIN SELECT RAISE(IGNORE); END"};
}

Status closePersonalRecords(Database& db, const std::string& since) {
  return setMeta(db, kPersonalRecordsClosed, since);
}

}  // namespace tillid::store
