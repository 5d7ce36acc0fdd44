#pragma once
// Wall-clock time as the project stores and prints it: UTC, ISO 8601.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace tillid {

using WallClock = std::chrono::system_clock;
using TimePoint = WallClock::time_point;

// "2026-11-25T16:17:49.123456Z"; fixed width, so strings sort in time order.
std::string formatTimestamp(TimePoint t);

// Parses formatTimestamp's output and also "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ".
Result<TimePoint> parseTimestamp(const std::string& text);

// Microseconds since the Unix epoch.
int64_t toMicros(TimePoint t);
TimePoint fromMicros(int64_t micros);

}  // namespace tillid
