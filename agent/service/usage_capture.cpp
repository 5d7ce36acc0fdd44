#include "agent/service/usage_capture.h"

#include "common/logging.h"
#include "common/time.h"

namespace tillid {
namespace {

// How long one wait for packets may last: bounds the delay of ticks (and so of the
// aggregator's flushes) on a quiet network, and of stopping.
constexpr std::chrono::milliseconds kWait{250};
constexpr std::chrono::milliseconds kFinalWait{150};
constexpr int kFinalRounds = 4;

int64_t wallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(WallClock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<UsageCapture>> UsageCapture::start(
    const Config& config, store::Writer& writer, const std::vector<usage::FlowObserver*>& observers,
    const platform::Platform& platform) {
  std::unique_ptr<UsageCapture> capture(new UsageCapture);
  auto privacy = usage::PrivacyFilter::fromConfig(config);
  if (!privacy) return privacy.status();
  capture->privacy_ = std::make_unique<usage::PrivacyFilter>(std::move(*privacy));
  capture->resolver_ = platform.socketOwners;

  platform::LiveCaptureOptions options;
  options.interfaces = config.strings("capture.interfaces");
  options.snapLength = static_cast<int>(config.integer("capture.snaplen"));
  options.bufferMegabytes = static_cast<int>(config.integer("capture.buffer_mb"));
  auto source = platform.packetSources->openLive(options);
  if (!source) return source.status();
  capture->source_ = std::move(*source);

  auto pipeline = usage::UsagePipeline::create(usage::usagePipelineOptions(config),
                                               *capture->privacy_, capture->resolver_.get());
  if (!pipeline) return pipeline.status();
  capture->pipeline_ = std::move(*pipeline);
  capture->pipeline_->setLocalAddresses(capture->source_->localAddresses());
  capture->aggregator_ =
      std::make_unique<usage::UsageAggregator>(writer, *capture->privacy_, config);
  capture->pipeline_->addObserver(capture->aggregator_.get());
  for (usage::FlowObserver* observer : observers) capture->pipeline_->addObserver(observer);

  capture->thread_ = std::thread([c = capture.get()] { c->run(); });
  logger("capture").information(
      "capturing on " + (options.interfaces.empty()
                             ? std::string("all interfaces")
                             : std::to_string(options.interfaces.size()) + " interface(s)"));
  return capture;
}

UsageCapture::~UsageCapture() {
  if (!thread_.joinable()) return;  // start() failed half way: nothing ran
  stopping_ = true;
  source_->interrupt();
  thread_.join();
  const UsageCaptureStats s = stats();
  logger("capture").information("capture stopped: " + std::to_string(s.pipeline.packets) +
                                " packets, " + std::to_string(s.pipeline.flows.created) +
                                " flows, " + std::to_string(s.pipeline.skippedTotal()) +
                                " frames skipped, " + std::to_string(s.source.droppedByKernel) +
                                " dropped by the kernel");
}

void UsageCapture::run() {
  while (!stopping_) {
    auto delivered = source_->dispatch(*pipeline_, kWait);
    if (!delivered) {
      logger("capture").error("capture failed: " + delivered.status().message());
      break;
    }
    // Capture time is wall time here: keep ticking (and expiring) when the network is quiet.
    pipeline_->advanceTime(wallMicros());
    std::lock_guard<std::mutex> lock(statsMutex_);
    stats_.pipeline = pipeline_->stats();
    stats_.source = source_->stats();
  }
  // The kernel hands frames over in blocks retired at the latest after the block timeout
  // (100 ms): wait for the last ones rather than lose what was captured before the stop.
  for (int round = 0; round < kFinalRounds; ++round) {
    auto delivered = source_->dispatch(*pipeline_, kFinalWait);
    if (!delivered || *delivered == 0) break;
  }
  pipeline_->finish(wallMicros());
  aggregator_->flush();
  std::lock_guard<std::mutex> lock(statsMutex_);
  stats_.pipeline = pipeline_->stats();
  stats_.source = source_->stats();
}

UsageCaptureStats UsageCapture::stats() const {
  std::lock_guard<std::mutex> lock(statsMutex_);
  return stats_;
}

}  // namespace tillid
