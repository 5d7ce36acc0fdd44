// The per-device token bucket with explicit clock readings: the burst, the refill, the
// Retry-After it names, and devices kept apart.

#include "collector/rate_limiter.h"

#include <catch2/catch.hpp>

namespace tillid::collector {
namespace {

using std::chrono::seconds;
using Clock = DeviceRateLimiter::Clock;

TEST_CASE("a device gets its burst, then one batch per refill, with the wait named",
          "[collector][limits]") {
  DeviceRateLimiter limiter(/*perMinute=*/6, /*burst=*/3);  // one token per 10 s
  const Clock::time_point t0{seconds(1000)};
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.take("d1", t0).has_value());
  auto wait = limiter.take("d1", t0);
  REQUIRE(wait.has_value());
  CHECK(*wait == seconds(10));
  // Refused attempts take nothing: 4 s later the wait is 6 s, at 10 s one batch passes.
  CHECK(limiter.take("d1", t0 + seconds(4)) == seconds(6));
  CHECK_FALSE(limiter.take("d1", t0 + seconds(10)).has_value());
  CHECK(limiter.take("d1", t0 + seconds(10)) == seconds(10));
  // Another device has its own bucket.
  CHECK_FALSE(limiter.take("d2", t0 + seconds(10)).has_value());
  // A long pause refills to the burst, not beyond.
  const Clock::time_point later = t0 + seconds(3600);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.take("d1", later).has_value());
  CHECK(limiter.take("d1", later).has_value());
}

TEST_CASE("a limit of 0 never refuses", "[collector][limits]") {
  DeviceRateLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(limiter.take("d", Clock::time_point{}).has_value());
}

}  // namespace
}  // namespace tillid::collector
