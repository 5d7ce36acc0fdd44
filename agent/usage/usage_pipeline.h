#pragma once
// The packet path: frames -> packet parser -> flow table -> nDPI classifier (first
// packets only) -> destination namer -> attribution (process and user) -> privacy filter
// -> observers (the hourly aggregator, the Citrix tracker, ...).
//
// Observers see a flow only once its identity is settled: service, category and
// destination are known (nDPI finished, its packet budget ran out, or the flow ended) and
// the privacy filter has been applied, so no observer ever sees a protected name or a
// flow whose destination later changes. The packets a flow carried before it settled are
// handed over then, as one event per direction with their summed bytes. From then on
// every packet is one onPacket call, and the flow is counters only (no inspection).
//
// Packets before monitoring.effective_from reach no observer. Frames that cannot be
// decoded are counted by reason and skipped. Time is the capture's: onTick is called for
// every second of capture time that passes, and idle flows expire by it.
//
// Not thread-safe: one thread (the capture loop or the replay command) drives it.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "agent/usage/destination_namer.h"
#include "agent/usage/flow_labels.h"
#include "agent/usage/flow_observer.h"
#include "agent/usage/flow_table.h"
#include "agent/usage/ndpi_classifier.h"
#include "agent/usage/packet_parser.h"
#include "agent/usage/privacy_filter.h"
#include "common/config.h"
#include "common/result.h"
#include "platform/packet_source.h"
#include "platform/socket_owner_resolver.h"

namespace tillid::usage {

struct UsagePipelineOptions {
  FlowTableOptions flows;
  // Packets of a flow nDPI may inspect before it is settled with nDPI's best guess.
  uint32_t classifyMaxPackets = 32;
  size_t dnsCacheEntries = 16384;
};

struct UsagePipelineStats {
  uint64_t frames = 0;        // every frame offered
  uint64_t packets = 0;       // frames decoded and counted to a flow
  uint64_t bytes = 0;         // wire bytes of those packets
  uint64_t notRecorded = 0;   // packets before monitoring.effective_from
  uint64_t notInspected = 0;  // flows named without nDPI: too many under inspection at once
  std::array<uint64_t, kParseOutcomeCount> skipped{};  // by ParseOutcome (kOk unused)
  FlowTableStats flows;
  DestinationNamerStats dns;
  uint64_t skippedTotal() const;
};

// capture.* of the agent's configuration.
UsagePipelineOptions usagePipelineOptions(const Config& config);

class UsagePipeline final : public platform::FrameSink, private FlowEndSink {
 public:
  // `privacy` must outlive the pipeline. `resolver` may be null (replayed captures have
  // no local processes): flows are then attributed to "unknown".
  static Result<std::unique_ptr<UsagePipeline>> create(const UsagePipelineOptions& options,
                                                       const PrivacyFilter& privacy,
                                                       platform::SocketOwnerResolver* resolver);
  ~UsagePipeline() override;
  UsagePipeline(const UsagePipeline&) = delete;
  UsagePipeline& operator=(const UsagePipeline&) = delete;

  // REQUIRES: the observer outlives the pipeline (or finish() has been called).
  void addObserver(FlowObserver* observer) { observers_.push_back(observer); }

  // The device's own addresses (IPv4 in the first 4 bytes), which decide a flow's
  // direction. Without them (a replayed capture) the client side is taken to be the
  // device.
  void setLocalAddresses(std::vector<platform::LocalAddress> addresses);

  // One captured frame: `captured` bytes at `frame`, `wireLength` bytes on the wire.
  void processFrame(LinkType linkType, const uint8_t* frame, size_t captured, uint32_t wireLength,
                    int64_t timeMicros);

  // The same, for a frame from a platform packet source.
  void onFrame(const platform::CapturedFrame& frame) override {
    processFrame(static_cast<LinkType>(frame.linkType), frame.data, frame.capturedLength,
                 frame.wireLength, frame.timeMicros);
  }

  // Advances capture time without a packet (a live capture that is quiet): ticks and
  // expiry. Time never goes backwards; earlier values are ignored.
  void advanceTime(int64_t nowMicros);

  // Ends every flow (end of a capture file, or shutdown) and ticks a last time. The next
  // frame starts a new timeline (capture files need not follow each other in time).
  void finish(int64_t nowMicros);

  // finish(), then forgets the DNS answers learned, so that what follows is named as by a
  // new pipeline, without building nDPI's detection module again (which is what makes
  // creating one slow). Statistics keep counting. For running many independent captures
  // through one pipeline (the fuzz target).
  void reset();

  UsagePipelineStats stats() const;
  size_t liveFlows() const { return table_.size(); }

 private:
  // Per live flow, parallel to the table's slots: what its FlowRecord does not hold. Kept
  // small (no strings): with 50,000 live flows every byte here is 50 kB resident. The
  // flow's FlowInfo is put together from both when an observer needs it (infoOf).
  struct FlowState {
    const FlowLabels* labels = nullptr;      // from labels_; only application, user until settled
    ndpi_flow_struct* inspection = nullptr;  // lent by the classifier until settled
    // [fromDevice] wire bytes before the flow settled, saturating (observers get at most
    // UINT32_MAX in one event anyway).
    uint32_t pendingBytes[2] = {0, 0};
    uint16_t inspected = 0;  // <= capture.classify_max_packets (at most 1000)
    Direction direction = Direction::kUnknown;
    bool settled = false;
    bool reported = false;  // an observer has seen a packet of it (so it is told of the end)
  };
  UsagePipeline(const UsagePipelineOptions& options, const PrivacyFilter& privacy,
                platform::SocketOwnerResolver* resolver, std::unique_ptr<NdpiClassifier> classifier,
                std::unique_ptr<DestinationNamer> namer);

  void flowEnded(uint32_t slot, const FlowRecord& record, FlowEndReason reason,
                 int64_t timeMicros) override;
  void startFlow(FlowState& state, const FlowRecord& record);
  void settle(FlowState& state, const FlowRecord& record, int64_t timeMicros);
  // The flow's FlowInfo in info_: rebuilt unless info_ already holds this flow.
  const FlowInfo& infoOf(const FlowState& state, const FlowRecord& record);
  FlowInfo& rebuildInfo(const FlowState& state, const FlowRecord& record);
  bool isLocal(const std::array<uint8_t, 16>& address, uint8_t ipVersion) const;
  void tickUntil(int64_t nowMicros);

  UsagePipelineOptions options_;
  const PrivacyFilter& privacy_;
  platform::SocketOwnerResolver* resolver_;
  std::unique_ptr<NdpiClassifier> classifier_;
  std::unique_ptr<DestinationNamer> namer_;
  FlowTable table_;
  std::vector<FlowState> states_;  // parallel to the table's slots
  FlowLabelPool labels_;
  FlowInfo info_;            // the FlowInfo handed to observers, of flow infoFlowId_
  uint64_t infoFlowId_ = 0;  // 0: none (flow ids start at 1)
  std::vector<FlowObserver*> observers_;
  std::vector<platform::LocalAddress> localAddresses_;
  int64_t now_ = 0;       // latest capture time seen
  int64_t nextTick_ = 0;  // 0: no packet seen yet
  UsagePipelineStats stats_;
};

}  // namespace tillid::usage
