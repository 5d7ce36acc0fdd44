// libFuzzer target: the whole usage pipeline (parser, flow table, nDPI, DNS answers,
// naming, privacy) on a sequence of arbitrary frames, 10 ms apart, with a small flow
// table so that eviction and expiry run too.
//
// The pipeline is built once: creating nDPI's detection module takes far longer than
// running an input. Between inputs reset() ends every flow (so each input starts with an
// empty table, its own timeline and no DNS answers); only nDPI's internal caches carry
// over, as in nDPI's own fuzz targets.

#include <cstring>
#include <memory>

#include "agent/usage/usage_pipeline.h"
#include "fuzz/fuzz_input.h"

namespace {

using namespace tillid;

class CountingObserver final : public usage::FlowObserver {
 public:
  void onPacket(uint64_t, const usage::FlowInfo& info, const usage::PacketEvent& packet) override {
    bytes_ += packet.bytes + info.destination.size();
  }
  void onFlowEnd(uint64_t, const usage::FlowInfo&, int64_t) override {}
  void onTick(int64_t) override {}

 private:
  uint64_t bytes_ = 0;
};

usage::UsagePipeline& sharedPipeline() {
  static const usage::PrivacyFilter privacy = [] {
    auto filter = usage::PrivacyFilter::fromLists({{"fuzz", "example.com\n"}}, std::nullopt);
    if (!filter) __builtin_trap();
    return std::move(*filter);
  }();
  static CountingObserver observer;
  static const std::unique_ptr<usage::UsagePipeline> pipeline = [] {
    usage::UsagePipelineOptions options;
    options.flows.maxFlows = 16;
    options.flows.udpIdleMicros = 1'000'000;
    options.classifyMaxPackets = 8;
    options.dnsCacheEntries = 32;
    auto created = usage::UsagePipeline::create(options, privacy, nullptr);
    if (!created) __builtin_trap();
    (*created)->addObserver(&observer);
    return std::move(*created);
  }();
  return *pipeline;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  usage::UsagePipeline& pipeline = sharedPipeline();
  const int64_t start = 1'700'000'000'000'000;
  fuzz::forEachFrame(
      data, size, [&](usage::LinkType type, const uint8_t* frame, size_t length, uint32_t index) {
        std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
        std::memcpy(copy.get(), frame, length);
        pipeline.processFrame(type, copy.get(), length, static_cast<uint32_t>(length) + 4,
                              start + int64_t{index} * 10'000);
      });
  pipeline.reset();
  return 0;
}
