#include "collector/sqlite_task_store.h"

#include <mutex>

#include "collector/storage_rows.h"
#include "collector/storage_schema.h"
#include "store/store.h"

namespace tillid::collector {
namespace {

using store::Database;
using store::Statement;
using store::Transaction;

Result<std::vector<StoredTask>> collectTasks(Statement& s) {
  std::vector<StoredTask> out;
  while (true) {
    auto row = s.step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(readTask(s));
  }
}

class SqliteTaskStore final : public TaskStore {
 public:
  explicit SqliteTaskStore(Database db) : db_(std::move(db)) {}

  Status addTask(const StoredTask& t) override {
    std::lock_guard lock(mutex_);
    return insertTask(t);
  }

  Result<bool> addOrderTask(const StoredTask& t, const OrderNonce& nonce, TimePoint now) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto forget = db_.prepare("DELETE FROM order_nonces WHERE expires < ?");
    if (!forget) return forget.status();
    TILLID_RETURN_IF_ERROR(forget->bind(1, formatTimestamp(now - std::chrono::hours(24))).run());
    auto claim = db_.prepare(
        "INSERT OR IGNORE INTO order_nonces(nonce, key_id, task_id, expires) VALUES (?, ?, ?, ?)");
    if (!claim) return claim.status();
    TILLID_RETURN_IF_ERROR(claim->bind(1, nonce.nonce)
                               .bind(2, nonce.keyId)
                               .bind(3, t.id)
                               .bind(4, nonce.expires)
                               .run());
    if (db_.changes() != 1) return false;
    TILLID_RETURN_IF_ERROR(insertTask(t));
    TILLID_RETURN_IF_ERROR(tx.commit());
    return true;
  }

 private:
  // REQUIRES: mutex_ held.
  Status insertTask(const StoredTask& t) {
    auto s = db_.prepare(std::string("INSERT INTO tasks(seq, ") + kTaskColumns +
                         ") VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks), "
                         "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return s.status();
    return s->bind(1, t.id)
        .bind(2, t.deviceId)
        .bind(3, t.type)
        .bind(4, t.purpose)
        .bind(5, t.caseRef)
        .bind(6, t.requestedBy)
        .bind(7, t.role)
        .bind(8, t.params)
        .bind(9, t.order)
        .bind(10, t.created)
        .bind(11, t.state)
        .bind(12, t.deliveredAt)
        .bind(13, t.answeredAt)
        .bind(14, t.reason)
        .bind(15, t.result)
        .run();
  }

 public:
  Result<std::vector<StoredTask>> takePending(const std::string& deviceId, TimePoint now,
                                              TimePoint redeliverBefore, int64_t limit) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto s = db_.prepare(std::string("SELECT ") + kTaskColumns +
                         " FROM tasks WHERE device_id = ? AND (state = 'queued' OR "
                         "(state = 'delivered' AND delivered_at < ?)) ORDER BY seq LIMIT ?");
    if (!s) return s.status();
    s->bind(1, deviceId).bind(2, formatTimestamp(redeliverBefore)).bind(3, limit);
    auto pending = collectTasks(*s);
    if (!pending) return pending.status();
    auto mark = db_.prepare("UPDATE tasks SET state = 'delivered', delivered_at = ? WHERE id = ?");
    if (!mark) return mark.status();
    const std::string at = formatTimestamp(now);
    for (auto& t : *pending) {
      TILLID_RETURN_IF_ERROR(mark->bind(1, at).bind(2, t.id).run());
      mark->reset();
      t.state = "delivered";
      t.deliveredAt = at;
    }
    TILLID_RETURN_IF_ERROR(tx.commit());
    return pending;
  }

  Result<bool> completeTask(const std::string& deviceId, const std::string& taskId,
                            const std::string& state, const std::string& reason,
                            const std::string& result, TimePoint now) override {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    TILLID_RETURN_IF_ERROR(tx.begun());
    auto find = db_.prepare("SELECT state FROM tasks WHERE id = ? AND device_id = ?");
    if (!find) return find.status();
    auto row = find->bind(1, taskId).bind(2, deviceId).step();
    if (!row) return row.status();
    if (!*row) return Status::error(ErrorCode::kNotFound, "no task " + taskId + " for " + deviceId);
    const std::string current = find->text(0);
    if (!isOpenTask(current)) return false;
    auto update = db_.prepare(
        "UPDATE tasks SET state = ?, reason = ?, result = ?, answered_at = ? WHERE id = ?");
    if (!update) return update.status();
    TILLID_RETURN_IF_ERROR(update->bind(1, state)
                               .bind(2, reason)
                               .bind(3, result)
                               .bind(4, formatTimestamp(now))
                               .bind(5, taskId)
                               .run());
    TILLID_RETURN_IF_ERROR(tx.commit());
    return true;
  }

  Result<std::optional<StoredTask>> task(const std::string& taskId) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE id = ?");
    if (!s) return s.status();
    s->bind(1, taskId);
    auto list = collectTasks(*s);
    if (!list) return list.status();
    if (list->empty()) return std::optional<StoredTask>();
    return std::optional<StoredTask>(list->front());
  }

  Result<std::vector<StoredTask>> tasks(const std::string& deviceId, int64_t limit) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(std::string("SELECT ") + kTaskColumns +
                         " FROM tasks WHERE (? = '' OR device_id = ?) ORDER BY seq DESC LIMIT ?");
    if (!s) return s.status();
    s->bind(1, deviceId).bind(2, deviceId).bind(3, limit);
    return collectTasks(*s);
  }

  Status logAccess(const AccessRecord& r) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "INSERT INTO access_log(time, actor, role, action, device_id, purpose, case_ref, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return s.status();
    return s->bind(1, r.time)
        .bind(2, r.actor)
        .bind(3, r.role)
        .bind(4, r.action)
        .bind(5, r.deviceId)
        .bind(6, r.purpose)
        .bind(7, r.caseRef)
        .bind(8, r.details)
        .run();
  }

  Result<std::vector<AccessRecord>> accessLog(const std::string& deviceId, int64_t limit) override {
    std::lock_guard lock(mutex_);
    auto s =
        db_.prepare(std::string("SELECT ") + kAccessColumns +
                    " FROM access_log WHERE (? = '' OR device_id = ?) ORDER BY seq DESC LIMIT ?");
    if (!s) return s.status();
    s->bind(1, deviceId).bind(2, deviceId).bind(3, limit);
    std::vector<AccessRecord> out;
    while (true) {
      auto row = s->step();
      if (!row) return row.status();
      if (!*row) return out;
      out.push_back(readAccess(*s));
    }
  }

 private:
  std::mutex mutex_;
  Database db_;  // GUARDED_BY(mutex_)
};

}  // namespace

Result<std::unique_ptr<TaskStore>> openSqliteTaskStore(const std::string& path) {
  auto opened = store::openStore(path, {taskSchema(kSqliteDialect)});
  if (!opened) return opened.status();
  return std::unique_ptr<TaskStore>(new SqliteTaskStore(std::move(opened->db)));
}

}  // namespace tillid::collector
