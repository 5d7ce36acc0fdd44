#include "agent/usage/usage_aggregator.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "common/time.h"
#include "store/store.h"

namespace tillid::usage {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerHour = 3600 * kMicrosPerSecond;

const std::string& orUnknown(const std::string& value) {
  static const std::string kUnknown = "unknown";
  return value.empty() ? kUnknown : value;
}

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t hourOf(int64_t micros) {
  return floorDiv(micros, kMicrosPerHour);
}

uint16_t secondOfHour(int64_t micros, int64_t hour) {
  return static_cast<uint16_t>((micros - hour * kMicrosPerHour) / kMicrosPerSecond);
}

// One row's contribution to usage_hourly since the previous submit.
struct RowDelta {
  std::string hour, user, application, destination, service, category;
  int64_t connections = 0, bytesIn = 0, bytesOut = 0, activeSeconds = 0;
};

Status upsert(store::Database& db, const std::vector<RowDelta>& deltas) {
  auto statement = db.prepare(
      "INSERT INTO usage_hourly(hour, user, application, destination, service, category,"
      " connections, bytes_in, bytes_out, active_seconds)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
      " ON CONFLICT(hour, user, application, destination, service, category) DO UPDATE SET"
      " connections = connections + excluded.connections,"
      " bytes_in = bytes_in + excluded.bytes_in,"
      " bytes_out = bytes_out + excluded.bytes_out,"
      " active_seconds = min(3600, active_seconds + excluded.active_seconds)");
  if (!statement) return statement.status();
  for (const auto& d : deltas) {
    TILLID_RETURN_IF_ERROR(statement->bind(1, d.hour)
                               .bind(2, d.user)
                               .bind(3, d.application)
                               .bind(4, d.destination)
                               .bind(5, d.service)
                               .bind(6, d.category)
                               .bind(7, d.connections)
                               .bind(8, d.bytesIn)
                               .bind(9, d.bytesOut)
                               .bind(10, d.activeSeconds)
                               .run());
  }
  return Status::ok();
}

}  // namespace

store::SchemaModule usageSchema() {
  return {"usage",
          {{"hourly internet usage per user, application, destination, service, category",
            "CREATE TABLE usage_hourly ("
            " hour TEXT NOT NULL,"  // 'YYYY-MM-DDTHH:00:00Z', sorts in time order
            " user TEXT NOT NULL, application TEXT NOT NULL, destination TEXT NOT NULL,"
            " service TEXT NOT NULL, category TEXT NOT NULL,"
            " connections INTEGER NOT NULL DEFAULT 0,"
            " bytes_in INTEGER NOT NULL DEFAULT 0, bytes_out INTEGER NOT NULL DEFAULT 0,"
            " active_seconds INTEGER NOT NULL DEFAULT 0,"
            " PRIMARY KEY(hour, user, application, destination, service, category)"
            ") WITHOUT ROWID"},
           store::personalTableMigration("usage_hourly"),
           // Rows up to the uploader's former hour watermark count as sent.
           {"what of each row the uploader has put in its outbox",
            std::string(store::kCreateMetaTable) + ";" +
                "ALTER TABLE usage_hourly ADD COLUMN sent_connections INTEGER NOT NULL"
                " DEFAULT 0;"
                "ALTER TABLE usage_hourly ADD COLUMN sent_bytes_in INTEGER NOT NULL"
                " DEFAULT 0;"
                "ALTER TABLE usage_hourly ADD COLUMN sent_bytes_out INTEGER NOT NULL"
                " DEFAULT 0;"
                "ALTER TABLE usage_hourly ADD COLUMN sent_active_seconds INTEGER NOT NULL"
                " DEFAULT 0;"
                "UPDATE usage_hourly SET sent_connections = connections,"
                " sent_bytes_in = bytes_in, sent_bytes_out = bytes_out,"
                " sent_active_seconds = active_seconds WHERE hour <= (SELECT value FROM"
                " meta WHERE key = 'report.usage_through');"
                "DELETE FROM meta WHERE key = 'report.usage_through';"
                "CREATE INDEX usage_hourly_unsent ON usage_hourly(hour) WHERE " +
                kUsageUnsent}}};
}

std::string hourLabel(int64_t timeMicros) {
  // "2026-11-25T16:00:00.000000Z" cut to the hour.
  return formatTimestamp(fromMicros(hourOf(timeMicros) * kMicrosPerHour)).substr(0, 13) + ":00:00Z";
}

size_t UsageAggregator::RowKeyHash::operator()(const RowKey& key) const {
  size_t h = std::hash<int64_t>()(key.hour);
  for (const std::string* part :
       {&key.user, &key.application, &key.destination, &key.service, &key.category}) {
    h = h * 1000003u ^ std::hash<std::string>()(*part);
  }
  return h;
}

UsageAggregator::UsageAggregator(store::Writer& writer, const PrivacyFilter& privacy,
                                 std::chrono::seconds flushInterval)
    : writer_(writer),
      privacy_(privacy),
      flushInterval_(flushInterval),
      lastFlush_(std::chrono::steady_clock::now()) {}

UsageAggregator::UsageAggregator(store::Writer& writer, const PrivacyFilter& privacy,
                                 const Config& config)
    : UsageAggregator(writer, privacy,
                      std::chrono::seconds(config.integer("usage.flush_seconds"))) {}

UsageAggregator::~UsageAggregator() {
  flush();
}

UsageAggregator::Row& UsageAggregator::rowFor(FlowState& flow, const FlowInfo& info, int64_t hour) {
  if (flow.row != nullptr && flow.generation == generation_) {
    const RowKey& k = *flow.row->key;
    if (k.hour == hour && k.user == orUnknown(info.user) &&
        k.application == orUnknown(info.application) &&
        k.destination == orUnknown(info.destination) && k.service == orUnknown(info.service) &&
        k.category == orUnknown(info.category)) {
      return *flow.row;
    }
  }
  RowKey key{hour,
             orUnknown(info.user),
             orUnknown(info.application),
             orUnknown(info.destination),
             orUnknown(info.service),
             orUnknown(info.category)};
  auto [it, inserted] = rows_.try_emplace(std::move(key));
  Row& row = it->second;
  if (inserted) row.key = &it->first;
  flow.row = &row;
  flow.generation = generation_;
  if (!flow.connectionCounted) {
    flow.connectionCounted = true;
    row.connections++;
    row.dirty = true;
  }
  return row;
}

void UsageAggregator::countPending(FlowState& flow) {
  if (!flow.pending) return;
  const Pending& held = *flow.pending;
  Row& row = rowFor(flow, held.info, held.hour);
  row.bytesIn += held.bytesIn;
  row.bytesOut += held.bytesOut;
  for (int i = 0; i < held.count; ++i) row.activeSeconds.set(held.seconds[i]);
  row.dirty = true;
  flow.pending.reset();
}

void UsageAggregator::onPacket(uint64_t flowId, const FlowInfo& info, const PacketEvent& packet) {
  if (!privacy_.recording(packet.timeMicros)) {
    stats_.beforeEffective++;
    return;
  }
  stats_.packets++;
  latestMicros_ = std::max(latestMicros_, packet.timeMicros);
  FlowState& flow = flows_[flowId];
  const int64_t hour = hourOf(packet.timeMicros);
  if (!flow.settled) {
    const bool named = !info.destination.empty() && !info.service.empty();
    const bool waitedEnough = flow.pending && packet.timeMicros - flow.pending->firstMicros >=
                                                  kSettleWindowSeconds * kMicrosPerSecond;
    flow.settled = named || waitedEnough;
  }
  if (flow.pending && (flow.settled || flow.pending->hour != hour)) {
    flow.pending->info = info;  // counted under what is known now
    countPending(flow);
  }
  const uint16_t second = secondOfHour(packet.timeMicros, hour);
  if (!flow.settled) {
    if (!flow.pending) {
      flow.pending = std::make_unique<Pending>();
      flow.pending->hour = hour;
      flow.pending->firstMicros = packet.timeMicros;
    }
    Pending& held = *flow.pending;
    held.info = info;
    (packet.fromDevice ? held.bytesOut : held.bytesIn) += packet.bytes;
    if (held.count == 0 || held.seconds[held.count - 1] != second) {
      held.seconds[held.count++] = second;
    }
    // Cannot overflow within the settle window (one entry per distinct second), but a
    // capture with time going backwards could; count what is held then.
    if (held.count == kPendingSeconds) countPending(flow);
    return;
  }
  Row& row = rowFor(flow, info, hour);
  (packet.fromDevice ? row.bytesOut : row.bytesIn) += packet.bytes;
  row.activeSeconds.set(second);
  row.dirty = true;
}

void UsageAggregator::onFlowEnd(uint64_t flowId, const FlowInfo& info, int64_t timeMicros) {
  auto it = flows_.find(flowId);
  if (it == flows_.end()) return;
  if (it->second.pending) {
    it->second.pending->info = info;
    countPending(it->second);
  }
  flows_.erase(it);
  latestMicros_ = std::max(latestMicros_, timeMicros);
}

void UsageAggregator::onTick(int64_t timeMicros) {
  latestMicros_ = std::max(latestMicros_, timeMicros);
  if (std::chrono::steady_clock::now() - lastFlush_ >= flushInterval_) submitDeltas(false);
}

void UsageAggregator::flush() {
  submitDeltas(true);
}

void UsageAggregator::submitDeltas(bool all) {
  lastFlush_ = std::chrono::steady_clock::now();
  const int64_t currentHour = hourOf(latestMicros_);
  for (auto& [id, flow] : flows_) {
    if (!flow.pending) continue;
    const bool waitedEnough =
        latestMicros_ - flow.pending->firstMicros >= kSettleWindowSeconds * kMicrosPerSecond;
    if (all || flow.pending->hour < currentHour || waitedEnough) countPending(flow);
  }
  auto deltas = std::make_shared<std::vector<RowDelta>>();
  for (auto it = rows_.begin(); it != rows_.end();) {
    const RowKey& key = it->first;
    Row& row = it->second;
    if (row.dirty) {
      const size_t seconds = row.activeSeconds.count();
      deltas->push_back({hourLabel(key.hour * kMicrosPerHour), key.user, key.application,
                         key.destination, key.service, key.category, row.connections, row.bytesIn,
                         row.bytesOut, static_cast<int64_t>(seconds - row.submittedSeconds)});
      row.submittedSeconds = seconds;
      row.connections = row.bytesIn = row.bytesOut = 0;
      row.dirty = false;
    }
    // A past hour gets no more packets (capture-time order), so its row can go; flows
    // still pointing at it see the new generation and look their row up again.
    if (key.hour < currentHour) {
      it = rows_.erase(it);
      generation_++;
    } else {
      ++it;
    }
  }
  if (deltas->empty()) return;
  stats_.flushes++;
  stats_.rowsWritten += deltas->size();
  writer_.submit([deltas](store::Database& db) { return upsert(db, *deltas); });
}

}  // namespace tillid::usage
