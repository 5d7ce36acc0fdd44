#include "collector/storage_schema.h"

namespace tillid::collector {
namespace {

// `sql` with $INT, $TASK_SEQ and $ACCESS_SEQ replaced by the dialect's words.
std::string inDialect(std::string sql, const SqlDialect& d) {
  for (const auto& [word, replacement] :
       {std::pair<std::string, std::string>{"$TASK_SEQ", d.taskSequence},
        {"$ACCESS_SEQ", d.accessSequence},
        {"$INT", d.integer}}) {
    for (size_t at = sql.find(word); at != std::string::npos; at = sql.find(word, at)) {
      sql.replace(at, word.size(), replacement);
      at += replacement.size();
    }
  }
  return sql;
}

}  // namespace

store::SchemaModule collectorSchema(const SqlDialect& dialect) {
  return {"collector",
          {{"tokens, devices, batches, records and usage", inDialect(R"sql(
CREATE TABLE enrollment_tokens (
  sha256 TEXT PRIMARY KEY,
  max_uses $INT NOT NULL,
  uses $INT NOT NULL DEFAULT 0,
  expires TEXT NOT NULL DEFAULT ''
);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  enrolled_at TEXT NOT NULL,
  certificate_serial TEXT NOT NULL,
  certificate_expires TEXT NOT NULL,
  last_seen TEXT NOT NULL DEFAULT '',
  batches $INT NOT NULL DEFAULT 0,
  records $INT NOT NULL DEFAULT 0
);
CREATE TABLE batches (
  device_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  received TEXT NOT NULL,
  records $INT NOT NULL,
  PRIMARY KEY (device_id, idempotency_key)
);
CREATE TABLE records (
  device_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  time TEXT NOT NULL,
  payload TEXT NOT NULL,
  received TEXT NOT NULL,
  PRIMARY KEY (device_id, record_id)
);
CREATE INDEX records_by_kind ON records(device_id, kind);
CREATE TABLE usage (
  device_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  hour TEXT NOT NULL,
  "user" TEXT NOT NULL,
  application TEXT NOT NULL,
  destination TEXT NOT NULL,
  service TEXT NOT NULL,
  category TEXT NOT NULL,
  connections $INT NOT NULL,
  bytes_in $INT NOT NULL,
  bytes_out $INT NOT NULL,
  active_seconds $INT NOT NULL,
  PRIMARY KEY (device_id, record_id)
);
CREATE INDEX usage_by_hour ON usage(device_id, hour);
)sql",
                                                                     dialect)},
           {"retired devices and revoked certificates", R"sql(
ALTER TABLE devices ADD COLUMN retired TEXT NOT NULL DEFAULT '';
CREATE TABLE revoked_certificates (
  serial TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  revoked_at TEXT NOT NULL,
  reason TEXT NOT NULL
);
)sql"},
           {"usage keyed by device, hour, user, application, destination, service and category",
            inDialect(R"sql(
CREATE TABLE usage_by_key (
  device_id TEXT NOT NULL,
  hour TEXT NOT NULL,
  "user" TEXT NOT NULL,
  application TEXT NOT NULL,
  destination TEXT NOT NULL,
  service TEXT NOT NULL,
  category TEXT NOT NULL,
  connections $INT NOT NULL,
  bytes_in $INT NOT NULL,
  bytes_out $INT NOT NULL,
  active_seconds $INT NOT NULL,
  PRIMARY KEY (device_id, hour, "user", application, destination, service, category)
);
INSERT INTO usage_by_key
SELECT device_id, hour, "user", application, destination, service, category, SUM(connections),
       SUM(bytes_in), SUM(bytes_out),
       CASE WHEN SUM(active_seconds) > 3600 THEN 3600 ELSE SUM(active_seconds) END
FROM usage GROUP BY device_id, hour, "user", application, destination, service, category;
DROP TABLE usage;
ALTER TABLE usage_by_key RENAME TO usage;
CREATE INDEX usage_by_hour ON usage(device_id, hour);
)sql",
                      dialect)}}};
}

store::SchemaModule taskSchema(const SqlDialect& dialect) {
  return {"collector_tasks",
          {{"tasks and the access log", inDialect(R"sql(
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  seq $TASK_SEQ,
  device_id TEXT NOT NULL,
  type TEXT NOT NULL,
  purpose TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  role TEXT NOT NULL,
  params TEXT NOT NULL,
  signed_order TEXT NOT NULL,
  created TEXT NOT NULL,
  state TEXT NOT NULL,
  delivered_at TEXT NOT NULL DEFAULT '',
  answered_at TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_by_device ON tasks(device_id, state, seq);
CREATE TABLE access_log (
  seq $ACCESS_SEQ,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  device_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX access_log_by_device ON access_log(device_id, seq);
)sql",
                                                  dialect)},
           {"nonces of queued signed orders", R"sql(
CREATE TABLE order_nonces (
  nonce TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  expires TEXT NOT NULL
);
CREATE INDEX order_nonces_by_expiry ON order_nonces(expires);
)sql"}}};
}

}  // namespace tillid::collector
