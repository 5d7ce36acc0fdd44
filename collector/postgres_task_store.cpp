#include "collector/postgres_task_store.h"

#include <mutex>

#include "collector/postgres_listener.h"
#include "collector/storage_rows.h"
#include "collector/storage_schema.h"

namespace tillid::collector {
namespace {

using pg::Row;
using pg::Session;

constexpr const char* kChannel = "tillid_tasks";

// Tells every listening collector, when the transaction commits.
Status notifyCollectors(Session& s, const std::string& deviceId) {
  return s.exec("SELECT pg_notify($1, $2)", {kChannel, deviceId}).status();
}

class PostgresTaskStore final : public TaskStore {
 public:
  explicit PostgresTaskStore(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status addTask(const StoredTask& t) override {
    return pool_->transaction([&](Session& s) { return insertTask(s, t); });
  }

  Result<bool> addOrderTask(const StoredTask& t, const OrderNonce& nonce, TimePoint now) override {
    bool fresh = false;
    Status done = pool_->transaction([&](Session& s) -> Status {
      TILLID_RETURN_IF_ERROR(s.exec("DELETE FROM order_nonces WHERE expires < $1",
                                    {formatTimestamp(now - std::chrono::hours(24))})
                                 .status());
      // Another collector claiming the same nonce waits on the key, then sees the conflict.
      auto claimed = s.exec(
          "INSERT INTO order_nonces (nonce, key_id, task_id, expires) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
          {nonce.nonce, nonce.keyId, t.id, nonce.expires});
      if (!claimed) return claimed.status();
      fresh = claimed->size() == 1;
      if (!fresh) return Status::ok();
      return insertTask(s, t);
    });
    if (!done) return done;
    return fresh;
  }

  Result<std::vector<StoredTask>> takePending(const std::string& deviceId, TimePoint now,
                                              TimePoint redeliverBefore, int64_t limit) override {
    // One statement: tasks another collector is handing out right now are skipped (it
    // holds their row locks), so no task goes out twice.
    return query(
        std::string("WITH taken AS (UPDATE tasks SET state = 'delivered', "
                    "delivered_at = $2 WHERE id IN (SELECT id FROM tasks "
                    "WHERE device_id = $1 AND (state = 'queued' OR (state = 'delivered' "
                    "AND delivered_at < $3)) ORDER BY seq LIMIT $4 "
                    "FOR UPDATE SKIP LOCKED) RETURNING seq, ") +
            kTaskColumns + ") SELECT " + kTaskColumns + " FROM taken ORDER BY seq",
        {deviceId, formatTimestamp(now), formatTimestamp(redeliverBefore), pg::param(limit)});
  }

  Result<bool> completeTask(const std::string& deviceId, const std::string& taskId,
                            const std::string& state, const std::string& reason,
                            const std::string& result, TimePoint now) override {
    bool completed = false;
    Status done = pool_->transaction([&](Session& s) -> Status {
      auto current = s.exec("SELECT state FROM tasks WHERE id = $1 AND device_id = $2 FOR UPDATE",
                            {taskId, deviceId});
      if (!current) return current.status();
      if (current->size() == 0) {
        return Status::error(ErrorCode::kNotFound, "no task " + taskId + " for " + deviceId);
      }
      completed = isOpenTask(current->text(0, 0));
      if (!completed) return Status::ok();
      TILLID_RETURN_IF_ERROR(s.exec("UPDATE tasks SET state = $1, reason = $2, result = $3, "
                                    "answered_at = $4 WHERE id = $5",
                                    {state, reason, result, formatTimestamp(now), taskId})
                                 .status());
      return notifyCollectors(s, deviceId);
    });
    if (!done) return done;
    return completed;
  }

  Result<std::optional<StoredTask>> task(const std::string& taskId) override {
    auto list =
        query(std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE id = $1", {taskId});
    if (!list) return list.status();
    if (list->empty()) return std::optional<StoredTask>();
    return std::optional<StoredTask>(list->front());
  }

  Result<std::vector<StoredTask>> tasks(const std::string& deviceId, int64_t limit) override {
    return query(std::string("SELECT ") + kTaskColumns +
                     " FROM tasks WHERE ($1 = '' OR device_id = $1) ORDER BY seq DESC LIMIT $2",
                 {deviceId, pg::param(limit)});
  }

  Status logAccess(const AccessRecord& r) override {
    return pool_->transaction([&](Session& s) -> Status {
      return s
          .exec(std::string("INSERT INTO access_log (") + kAccessColumns +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                {r.time, r.actor, r.role, r.action, r.deviceId, r.purpose, r.caseRef, r.details})
          .status();
    });
  }

  Result<std::vector<AccessRecord>> accessLog(const std::string& deviceId, int64_t limit) override {
    return pool_->select<AccessRecord>(std::string("SELECT ") + kAccessColumns +
                                           " FROM access_log WHERE ($1 = '' OR device_id = $1)"
                                           " ORDER BY seq DESC LIMIT $2",
                                       {deviceId, pg::param(limit)}, readAccess<Row>);
  }

  bool watchChanges(std::function<void(const std::string&)> onChange) override {
    std::lock_guard lock(listenerMutex_);
    listener_.reset();  // joins its thread: no call runs after this
    if (onChange) {
      listener_ = std::make_unique<pg::Listener>(pool_->conninfo(), kChannel, std::move(onChange));
    }
    return true;
  }

 private:
  static Status insertTask(Session& s, const StoredTask& t) {
    TILLID_RETURN_IF_ERROR(
        s.exec(std::string("INSERT INTO tasks (") + kTaskColumns +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
               {t.id, t.deviceId, t.type, t.purpose, t.caseRef, t.requestedBy, t.role, t.params,
                t.order, t.created, t.state, t.deliveredAt, t.answeredAt, t.reason, t.result})
            .status());
    return notifyCollectors(s, t.deviceId);
  }

  Result<std::vector<StoredTask>> query(const std::string& sql,
                                        const std::vector<std::string>& params) {
    return pool_->select<StoredTask>(sql, params, readTask<Row>);
  }

  const std::shared_ptr<pg::Pool> pool_;
  std::mutex listenerMutex_;
  std::unique_ptr<pg::Listener> listener_;  // GUARDED_BY(listenerMutex_)
};

}  // namespace

Result<std::unique_ptr<TaskStore>> openPostgresTaskStore(std::shared_ptr<pg::Pool> pool) {
  TILLID_RETURN_IF_ERROR(pg::migrate(*pool, {taskSchema(kPostgresDialect)}));
  return std::unique_ptr<TaskStore>(std::make_unique<PostgresTaskStore>(std::move(pool)));
}

}  // namespace tillid::collector
