#include "agent/usage/usage_pipeline.h"

#include <algorithm>
#include <cstring>

namespace tillid::usage {
namespace {

constexpr int64_t kSecond = 1'000'000;
// A longer gap in the capture time is not ticked second by second.
constexpr int64_t kMaxTickedGap = 3600 * kSecond;
constexpr uint16_t kDnsPort = 53;
constexpr const char* kUnknown = "unknown";

}  // namespace

UsagePipelineOptions usagePipelineOptions(const Config& config) {
  UsagePipelineOptions options;
  options.flows.maxFlows = static_cast<uint32_t>(config.integer("capture.flow_table_max"));
  options.flows.tcpIdleMicros = config.integer("capture.tcp_idle_seconds") * kSecond;
  options.flows.udpIdleMicros = config.integer("capture.udp_idle_seconds") * kSecond;
  options.classifyMaxPackets =
      static_cast<uint32_t>(config.integer("capture.classify_max_packets"));
  options.dnsCacheEntries = static_cast<size_t>(config.integer("capture.dns_cache_entries"));
  return options;
}

uint64_t UsagePipelineStats::skippedTotal() const {
  uint64_t total = 0;
  for (size_t i = 1; i < skipped.size(); ++i) total += skipped[i];
  return total;
}

Result<std::unique_ptr<UsagePipeline>> UsagePipeline::create(
    const UsagePipelineOptions& options, const PrivacyFilter& privacy,
    platform::SocketOwnerResolver* resolver) {
  auto classifier = NdpiClassifier::create();
  if (!classifier) return classifier.status();
  auto namer = DestinationNamer::create(options.dnsCacheEntries);
  if (!namer) return namer.status();
  return std::unique_ptr<UsagePipeline>(
      new UsagePipeline(options, privacy, resolver, std::move(*classifier), std::move(*namer)));
}

UsagePipeline::UsagePipeline(const UsagePipelineOptions& options, const PrivacyFilter& privacy,
                             platform::SocketOwnerResolver* resolver,
                             std::unique_ptr<NdpiClassifier> classifier,
                             std::unique_ptr<DestinationNamer> namer)
    : options_(options),
      privacy_(privacy),
      resolver_(resolver),
      classifier_(std::move(classifier)),
      namer_(std::move(namer)),
      table_(options.flows, *this) {
  states_.reserve(table_.capacity());  // grown with the table's slots, never moved
}

UsagePipeline::~UsagePipeline() {
  // Give back inspection states of flows never finished (no observers are told).
  for (FlowState& state : states_) {
    if (state.inspection != nullptr) (void)classifier_->finish(state.inspection);
  }
}

void UsagePipeline::setLocalAddresses(std::vector<platform::LocalAddress> addresses) {
  localAddresses_ = std::move(addresses);
}

bool UsagePipeline::isLocal(const std::array<uint8_t, 16>& address, uint8_t ipVersion) const {
  return std::any_of(localAddresses_.begin(), localAddresses_.end(), [&](const auto& local) {
    return local.ipVersion == ipVersion && local.bytes == address;
  });
}

FlowInfo& UsagePipeline::rebuildInfo(const FlowState& state, const FlowRecord& record) {
  FlowInfo& info = info_;
  infoFlowId_ = record.id;
  info.ipVersion = record.key.ipVersion;
  info.protocol = record.key.protocol;
  info.direction = state.direction;
  const bool deviceIsServer = state.direction == Direction::kInbound;
  info.localAddress = formatAddress(
      deviceIsServer ? record.serverAddress() : record.clientAddress(), info.ipVersion);
  info.localPort = deviceIsServer ? record.serverPort() : record.clientPort();
  info.remoteAddress = formatAddress(
      deviceIsServer ? record.clientAddress() : record.serverAddress(), info.ipVersion);
  info.remotePort = deviceIsServer ? record.clientPort() : record.serverPort();
  static const FlowLabels kNone;
  const FlowLabels& labels = state.labels != nullptr ? *state.labels : kNone;
  info.service = labels.service;
  info.category = labels.category;
  info.destination = labels.destination;
  info.application = labels.application;
  info.user = labels.user;
  return info;
}

const FlowInfo& UsagePipeline::infoOf(const FlowState& state, const FlowRecord& record) {
  return infoFlowId_ == record.id ? info_ : rebuildInfo(state, record);
}

void UsagePipeline::startFlow(FlowState& state, const FlowRecord& record) {
  state = FlowState{};
  const bool serverIsLocal = !localAddresses_.empty() &&
                             !isLocal(record.clientAddress(), record.key.ipVersion) &&
                             isLocal(record.serverAddress(), record.key.ipVersion);
  const bool clientIsLocal =
      localAddresses_.empty() || isLocal(record.clientAddress(), record.key.ipVersion);
  state.direction = clientIsLocal   ? Direction::kOutbound
                    : serverIsLocal ? Direction::kInbound
                                    : Direction::kUnknown;
  FlowLabels labels;
  labels.application = kUnknown;
  labels.user = kUnknown;
  if (resolver_ != nullptr) {
    if (auto owner = resolver_->lookup(rebuildInfo(state, record))) {
      if (!owner->application.empty()) labels.application = owner->application;
      if (!owner->user.empty()) labels.user = owner->user;
    }
  }
  state.labels = labels_.acquire(labels);
  infoFlowId_ = 0;  // info_ was built without the labels
  state.inspection = classifier_->begin();
  if (state.inspection == nullptr) ++stats_.notInspected;
}

void UsagePipeline::settle(FlowState& state, const FlowRecord& record, int64_t timeMicros) {
  const Classification classification = classifier_->finish(state.inspection);
  state.inspection = nullptr;
  state.settled = true;
  FlowInfo& info = rebuildInfo(state, record);
  info.service = classification.service.empty() ? kUnknown : classification.service;
  info.category = classification.category.empty() ? kUnknown : classification.category;
  const bool deviceIsServer = info.direction == Direction::kInbound;
  info.destination = namer_->name(classification.hostName,
                                  deviceIsServer ? record.clientAddress() : record.serverAddress(),
                                  info.ipVersion, timeMicros);
  privacy_.apply(info);
  // info_ stays this flow's: the labels now say what it says.
  const FlowLabels* settled =
      labels_.acquire({info.service, info.category, info.destination, info.application, info.user});
  labels_.release(state.labels);
  state.labels = settled;
  for (int fromDevice = 1; fromDevice >= 0; --fromDevice) {
    if (state.pendingBytes[fromDevice] == 0) continue;
    PacketEvent event;
    event.timeMicros = timeMicros;
    event.bytes = state.pendingBytes[fromDevice];
    event.fromDevice = fromDevice == 1;
    for (FlowObserver* observer : observers_) observer->onPacket(record.id, info_, event);
    state.pendingBytes[fromDevice] = 0;
    state.reported = true;
  }
}

void UsagePipeline::flowEnded(uint32_t slot, const FlowRecord& record, FlowEndReason /*reason*/,
                              int64_t timeMicros) {
  FlowState& state = states_[slot];
  if (!state.settled) settle(state, record, timeMicros);
  if (state.reported) {
    const FlowInfo& info = infoOf(state, record);
    for (FlowObserver* observer : observers_) observer->onFlowEnd(record.id, info, timeMicros);
  }
  labels_.release(state.labels);
  state.labels = nullptr;
}

void UsagePipeline::tickUntil(int64_t nowMicros) {
  if (nextTick_ == 0) {
    nextTick_ = nowMicros - nowMicros % kSecond + kSecond;
    return;
  }
  if (nowMicros - nextTick_ > kMaxTickedGap) nextTick_ = nowMicros - nowMicros % kSecond;
  while (nextTick_ <= nowMicros) {
    table_.expire(nextTick_);
    for (FlowObserver* observer : observers_) observer->onTick(nextTick_);
    nextTick_ += kSecond;
  }
}

void UsagePipeline::advanceTime(int64_t nowMicros) {
  if (nowMicros <= now_) return;
  now_ = nowMicros;
  tickUntil(nowMicros);
}

void UsagePipeline::processFrame(LinkType linkType, const uint8_t* frame, size_t captured,
                                 uint32_t wireLength, int64_t timeMicros) {
  ++stats_.frames;
  advanceTime(timeMicros);
  const int64_t time = std::max(timeMicros, now_);
  ParsedPacket packet;
  const ParseOutcome outcome = parsePacket(linkType, frame, captured, packet);
  if (outcome != ParseOutcome::kOk) {
    ++stats_.skipped[static_cast<size_t>(outcome)];
    return;
  }
  if (packet.protocol == kProtocolUdp && packet.sourcePort == kDnsPort) {
    namer_->observeDns(packet.payload, packet.payloadLength, time);
  }
  const FlowTable::Touched touched = table_.touch(packet, time, wireLength);
  if (touched.slot == FlowTable::kNoSlot) return;
  ++stats_.packets;
  stats_.bytes += wireLength;
  if (touched.slot == states_.size()) states_.emplace_back();
  FlowState& state = states_[touched.slot];
  const FlowRecord& record = table_.record(touched.slot);
  if (touched.created) startFlow(state, record);

  const bool fromDevice = touched.fromClient == (state.direction != Direction::kInbound);
  const bool recording = privacy_.recording(time);
  if (!recording) ++stats_.notRecorded;
  if (!state.settled) {
    if (recording) {
      uint32_t& pending = state.pendingBytes[fromDevice ? 1 : 0];
      pending =
          static_cast<uint32_t>(std::min<uint64_t>(uint64_t{pending} + wireLength, UINT32_MAX));
    }
    ++state.inspected;
    const bool done = classifier_->inspect(state.inspection, packet.ip, packet.ipLength, time);
    if (done || state.inspected >= options_.classifyMaxPackets) settle(state, record, time);
  } else if (recording) {
    const PacketEvent event{time, wireLength, fromDevice};
    const FlowInfo& info = infoOf(state, record);
    for (FlowObserver* observer : observers_) observer->onPacket(record.id, info, event);
    state.reported = true;
  }
  if (touched.ending) table_.endFlow(touched.slot, touched.endReason, time);
}

void UsagePipeline::finish(int64_t nowMicros) {
  advanceTime(nowMicros);
  table_.drain(std::max(nowMicros, now_));
  for (FlowObserver* observer : observers_) observer->onTick(std::max(nowMicros, now_));
  now_ = 0;
  nextTick_ = 0;
}

void UsagePipeline::reset() {
  finish(0);
  namer_->forget();
}

UsagePipelineStats UsagePipeline::stats() const {
  UsagePipelineStats stats = stats_;
  stats.flows = table_.stats();
  stats.dns = namer_->stats();
  return stats;
}

}  // namespace tillid::usage
