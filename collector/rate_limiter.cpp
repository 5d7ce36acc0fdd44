#include "collector/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace tillid::collector {

std::optional<std::chrono::seconds> DeviceRateLimiter::take(const std::string& device,
                                                            Clock::time_point now) {
  if (perMinute_ <= 0) return std::nullopt;
  const double perSecond = static_cast<double>(perMinute_) / 60.0;
  std::lock_guard lock(mutex_);
  forgetIdle(now);
  auto [it, added] = buckets_.try_emplace(device, Bucket{static_cast<double>(burst_), now});
  Bucket& bucket = it->second;
  if (!added) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(static_cast<double>(burst_), bucket.tokens + elapsed * perSecond);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - bucket.tokens) / perSecond;
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
}

// A bucket idle long enough to be full again is the same as none: dropping it bounds the
// map by the devices active in the last few minutes.
void DeviceRateLimiter::forgetIdle(Clock::time_point now) {
  const auto refill = std::chrono::duration<double>(60.0 * static_cast<double>(burst_) /
                                                    static_cast<double>(perMinute_));
  if (now - lastSweep_ < refill) return;
  lastSweep_ = now;
  std::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.updated >= refill; });
}

}  // namespace tillid::collector
