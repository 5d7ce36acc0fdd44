#pragma once
// A token bucket per device: each device may send `perMinute` report batches a minute, up
// to `burst` at once. One device that floods (a bug, a replayed outbox, a stolen
// certificate) then gets 429 with Retry-After and cannot take the collector from the
// others; the agent waits at least that long (agent/report/uploader.h).
// Thread-safe: take() is called from every server thread.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tillid::collector {

class DeviceRateLimiter final {
 public:
  using Clock = std::chrono::steady_clock;

  // perMinute 0: unlimited.
  DeviceRateLimiter(int64_t perMinute, int64_t burst) : perMinute_(perMinute), burst_(burst) {}

  // Takes one token of `device`'s bucket: nullopt when there was one, else how long until
  // the next (whole seconds, at least one: the Retry-After to send).
  std::optional<std::chrono::seconds> take(const std::string& device, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  void forgetIdle(Clock::time_point now);

  const int64_t perMinute_;
  const int64_t burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mutex_)
  Clock::time_point lastSweep_;                      // GUARDED_BY(mutex_)
};

}  // namespace tillid::collector
