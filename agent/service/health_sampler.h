#pragma once
// Records the agent's own resident memory and CPU time at a fixed interval, so that
// `status` (and later the collector) can show what the agent costs the device.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/migrations.h"
#include "store/writer.h"

namespace tillid {

store::SchemaModule healthSchema();

class HealthSampler {
 public:
  // interval 0 disables sampling. keep: how many samples stay in the table.
  HealthSampler(store::Writer& writer, std::chrono::milliseconds interval, int64_t keep);
  ~HealthSampler();
  HealthSampler(const HealthSampler&) = delete;
  HealthSampler& operator=(const HealthSampler&) = delete;

  // Records one sample now (also called by the thread at each interval).
  void sample();

 private:
  void loop();

  store::Writer& writer_;
  const std::chrono::milliseconds interval_;
  const int64_t keep_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tillid
