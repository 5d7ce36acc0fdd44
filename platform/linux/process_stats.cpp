#include "platform/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace tillid::platform {

ProcessStats selfProcessStats() {
  ProcessStats stats;
  // statm's second field is resident pages; cheaper to parse than /proc/self/status.
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  if (statm >> size >> resident) stats.residentBytes = resident * ::sysconf(_SC_PAGESIZE);
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    stats.peakResidentBytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
    stats.cpuMicros = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL +
                      usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  }
  return stats;
}

}  // namespace tillid::platform
