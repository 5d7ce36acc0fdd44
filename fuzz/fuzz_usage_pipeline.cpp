// libFuzzer target: the whole usage pipeline (parser, flow table, nDPI, DNS answers,
// naming, privacy) on a sequence of arbitrary frames, 10 ms apart, with a small flow
// table so that eviction and expiry run too.

#include <cstring>
#include <memory>

#include "agent/usage/usage_pipeline.h"
#include "fuzz/fuzz_input.h"

namespace {

class CountingObserver final : public tillid::usage::FlowObserver {
 public:
  void onPacket(uint64_t, const tillid::usage::FlowInfo& info,
                const tillid::usage::PacketEvent& packet) override {
    bytes_ += packet.bytes + info.destination.size();
  }
  void onFlowEnd(uint64_t, const tillid::usage::FlowInfo&, int64_t) override {}
  void onTick(int64_t) override {}

 private:
  uint64_t bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tillid;
  static const usage::PrivacyFilter privacy = [] {
    auto filter = usage::PrivacyFilter::fromLists({{"fuzz", "example.com\n"}}, std::nullopt);
    if (!filter) __builtin_trap();
    return std::move(*filter);
  }();
  usage::UsagePipelineOptions options;
  options.flows.maxFlows = 16;
  options.flows.udpIdleMicros = 1'000'000;
  options.classifyMaxPackets = 8;
  options.dnsCacheEntries = 32;
  auto pipeline = usage::UsagePipeline::create(options, privacy, nullptr);
  if (!pipeline) __builtin_trap();
  CountingObserver observer;
  (*pipeline)->addObserver(&observer);
  const int64_t start = 1'700'000'000'000'000;
  fuzz::forEachFrame(data, size, [&](usage::LinkType type, const uint8_t* frame, size_t length,
                                     uint32_t index) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
    std::memcpy(copy.get(), frame, length);
    (*pipeline)->processFrame(type, copy.get(), length, static_cast<uint32_t>(length) + 4,
                              start + int64_t{index} * 10'000);
  });
  (*pipeline)->finish(0);
  return 0;
}
