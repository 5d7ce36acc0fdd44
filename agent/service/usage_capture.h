#pragma once
// Live capture in the running agent (config "capture", enabled by capture.enabled): a
// thread reads the platform's live packet source and drives the usage pipeline, whose
// observers are the hourly usage aggregator plus any others the agent passes in (the
// Citrix tracker). Flows are attributed to local processes and users, protected
// destinations are masked and nothing is recorded before monitoring.effective_from
// (the pipeline and privacy filter see to that).
//
// Thread-safety: start() and the destructor from the owner's thread; stats() from any.

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/usage/usage_aggregator.h"
#include "agent/usage/usage_pipeline.h"
#include "common/config.h"
#include "platform/platform.h"
#include "store/writer.h"

namespace tillid {

struct UsageCaptureStats {
  usage::UsagePipelineStats pipeline;
  platform::PacketSourceStats source;
};

class UsageCapture final {
 public:
  // Opens the live capture (fails without CAP_NET_RAW, or for an unknown interface) and
  // starts the thread, with the platform's packet sources and socket owners. `writer` and
  // `observers` must outlive this object.
  static Result<std::unique_ptr<UsageCapture>> start(
      const Config& config, store::Writer& writer,
      const std::vector<usage::FlowObserver*>& observers, const platform::Platform& platform);

  // Stops the thread, ends every flow and submits the aggregated usage to the writer.
  ~UsageCapture();
  UsageCapture(const UsageCapture&) = delete;
  UsageCapture& operator=(const UsageCapture&) = delete;

  UsageCaptureStats stats() const;

 private:
  UsageCapture() = default;
  void run();

  std::unique_ptr<usage::PrivacyFilter> privacy_;
  std::shared_ptr<platform::SocketOwnerResolver> resolver_;
  std::unique_ptr<platform::PacketSource> source_;
  std::unique_ptr<usage::UsagePipeline> pipeline_;
  std::unique_ptr<usage::UsageAggregator> aggregator_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex statsMutex_;
  UsageCaptureStats stats_;  // GUARDED_BY(statsMutex_), refreshed by the thread
  std::thread thread_;
};

}  // namespace tillid
