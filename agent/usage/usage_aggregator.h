#pragma once
// Hourly usage, like a phone bill: for each (hour, user, application, destination,
// service, category) the connections started, bytes in and out, and the number of seconds
// of that hour in which the key saw at least one packet. Kept in memory and written to
// usage_hourly through the store's writer in ONE job every usage.flush_seconds and by
// flush() (at shutdown and at the end of a replay); each write adds to the stored row, so
// a key's totals are the same however often it was flushed.
//
// Attribution: the pipeline learns a flow's service and destination only after its first
// packets. Until both are known (the flow is "settled") its packets are held per flow and
// then counted under the settled key, so the handshake does not make rows keyed by a bare
// address. A flow that never settles is counted under what is known after
// kSettleWindowSeconds of capture time, or when it ends. A flow's connection is counted
// once, in the hour and under the key where it was first counted.
//
// Thread-safety: not thread-safe. All calls come from the pipeline's thread (FlowObserver
// contract) or, for flush(), after the pipeline stopped. The writer must outlive this.

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "agent/usage/flow_observer.h"
#include "agent/usage/privacy_filter.h"
#include "common/config.h"
#include "store/migrations.h"
#include "store/writer.h"

namespace tillid::usage {

// The "usage" schema module: table usage_hourly. Its sent_* columns say how much of each
// row's totals the uploader has put in its outbox; the aggregator only adds to the totals,
// so a row written again after it was sent (a late hour, a replay) differs from its sent_*.
store::SchemaModule usageSchema();

// SQL condition on a usage_hourly row: its totals differ from what was sent (the
// condition of the partial index usage_hourly_unsent).
inline constexpr const char* kUsageUnsent =
    "(connections != sent_connections OR bytes_in != sent_bytes_in OR"
    " bytes_out != sent_bytes_out OR active_seconds != sent_active_seconds)";

// "YYYY-MM-DDTHH:00:00Z" for the hour that contains `timeMicros`.
std::string hourLabel(int64_t timeMicros);

struct UsageAggregatorStats {
  uint64_t packets = 0;          // counted packets
  uint64_t beforeEffective = 0;  // dropped: before monitoring.effective_from
  uint64_t flushes = 0;          // jobs submitted to the writer
  uint64_t rowsWritten = 0;      // row upserts submitted
};

class UsageAggregator final : public FlowObserver {
 public:
  static constexpr int64_t kSettleWindowSeconds = 10;

  // privacy: consulted for recording() on every packet, so that nothing before the
  // effective date reaches the store whatever feeds the aggregator. The caller keeps
  // `writer` and `privacy` alive for this object's lifetime.
  UsageAggregator(store::Writer& writer, const PrivacyFilter& privacy,
                  std::chrono::seconds flushInterval);
  // flushInterval from usage.flush_seconds.
  UsageAggregator(store::Writer& writer, const PrivacyFilter& privacy, const Config& config);
  ~UsageAggregator() override;
  UsageAggregator(const UsageAggregator&) = delete;
  UsageAggregator& operator=(const UsageAggregator&) = delete;

  void onPacket(uint64_t flowId, const FlowInfo& info, const PacketEvent& packet) override;
  void onFlowEnd(uint64_t flowId, const FlowInfo& info, int64_t timeMicros) override;
  // Flushes when flushInterval of wall-clock time passed since the last flush.
  void onTick(int64_t timeMicros) override;

  // Counts everything held (also unsettled flows) and submits it in one writer job. Does
  // not wait for the commit: call writer.flush() for that.
  void flush();

  UsageAggregatorStats stats() const { return stats_; }

 private:
  static constexpr int kSecondsPerHour = 3600;
  static constexpr int kPendingSeconds = kSettleWindowSeconds + 2;

  struct RowKey {
    int64_t hour = 0;  // hours since the epoch
    std::string user, application, destination, service, category;
    bool operator==(const RowKey&) const = default;
  };
  struct RowKeyHash {
    size_t operator()(const RowKey& key) const;
  };
  // A key's totals for one hour, and what of them is not yet submitted to the writer.
  struct Row {
    const RowKey* key = nullptr;  // the map's key (stable: unordered_map nodes never move)
    std::bitset<kSecondsPerHour> activeSeconds;
    size_t submittedSeconds = 0;
    int64_t connections = 0;  // deltas since the last submit
    int64_t bytesIn = 0;
    int64_t bytesOut = 0;
    bool dirty = false;
  };
  // A flow's packets held until it settles (allocated only meanwhile, so that a settled
  // flow costs a few words).
  struct Pending {
    FlowInfo info;  // the flow's latest info
    int64_t hour = 0;
    int64_t firstMicros = 0;
    int64_t bytesIn = 0;
    int64_t bytesOut = 0;
    int count = 0;  // distinct seconds held in `seconds`
    std::array<uint16_t, kPendingSeconds> seconds{};
  };
  // Per live flow: its current row, and its packets while it is not settled. 24 bytes, as
  // there is one for every live flow.
  struct FlowState {
    Row* row = nullptr;
    std::unique_ptr<Pending> pending;
    // generation_ when `row` was looked up. 32 bits: wrapping would need 2^32 rows dropped
    // during one flow's life.
    uint32_t generation = 0;
    bool settled = false;
    bool connectionCounted = false;
  };

  Row& rowFor(FlowState& flow, const FlowInfo& info, int64_t hour);
  void countPending(FlowState& flow);
  void submitDeltas(bool all);

  store::Writer& writer_;
  const PrivacyFilter& privacy_;
  const std::chrono::steady_clock::duration flushInterval_;
  std::chrono::steady_clock::time_point lastFlush_;
  int64_t latestMicros_ = 0;
  uint32_t generation_ = 1;  // bumped when rows are dropped, so flows re-find theirs
  std::unordered_map<RowKey, Row, RowKeyHash> rows_;
  std::unordered_map<uint64_t, FlowState> flows_;
  UsageAggregatorStats stats_;
};

}  // namespace tillid::usage
