#include "common/progress_text.h"

#include <cstdint>
#include <cstdio>

namespace tillid {

std::string durationText(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return text;
}

std::string progressText(double percent, double rate, double secondsLeft) {
  char text[96];
  int used = std::snprintf(text, sizeof text, "%.1f%%", percent);
  if (rate > 0) used += std::snprintf(text + used, sizeof text - used, "  %.1f MB/s", rate / 1e6);
  std::string line(text, static_cast<size_t>(used));
  if (secondsLeft > 0 && percent < 100) line += "  " + durationText(secondsLeft) + " left";
  return line;
}

}  // namespace tillid
