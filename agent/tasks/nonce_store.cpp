#include "agent/tasks/nonce_store.h"

namespace tillid::tasks {

store::SchemaModule tasksSchema() {
  return {"tasks",
          {{"nonces of accepted signed orders",
            R"sql(
CREATE TABLE order_nonces (
  nonce TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  type TEXT NOT NULL,
  expires TEXT NOT NULL,
  accepted_at TEXT NOT NULL
);
CREATE INDEX order_nonces_by_expiry ON order_nonces(expires);
)sql"}}};
}

Result<NonceOutcome> consumeNonce(store::Database& db, const SignedOrder& order, TimePoint now) {
  auto forget = db.prepare("DELETE FROM order_nonces WHERE expires < ?");
  if (!forget) return forget.status();
  TILLID_RETURN_IF_ERROR(forget->bind(1, formatTimestamp(now - std::chrono::hours(24))).run());
  const auto expires = parseTimestamp(order.order.expires);
  auto insert = db.prepare(
      "INSERT OR IGNORE INTO order_nonces(nonce, key_id, type, expires, accepted_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!insert) return insert.status();
  TILLID_RETURN_IF_ERROR(insert->bind(1, order.order.nonce)
                             .bind(2, order.keyId)
                             .bind(3, order.order.type)
                             .bind(4, expires ? formatTimestamp(*expires) : order.order.expires)
                             .bind(5, formatTimestamp(now))
                             .run());
  return db.changes() == 1 ? NonceOutcome::kFresh : NonceOutcome::kReplayed;
}

}  // namespace tillid::tasks
