#pragma once
// What this process costs the device: the agent reports it about itself, since being
// light is a requirement users check.

#include <cstdint>

namespace tillid::platform {

struct ProcessStats {
  int64_t residentBytes = 0;  // current resident set size
  int64_t peakResidentBytes = 0;
  int64_t cpuMicros = 0;  // user + system CPU time since start
};

ProcessStats selfProcessStats();

}  // namespace tillid::platform
