#pragma once
// How a long step's progress reads wherever it is shown (`tillid-agent offboard status` on
// the device, `tillid-admin offboard status` from the collector): "45.2%  612.3 MB/s
// 0:03:12 left".

#include <string>

namespace tillid {

// `rate` in bytes per second and `secondsLeft` are left out when not positive; the time
// left also when the step is at 100%.
std::string progressText(double percent, double rate, double secondsLeft);

// "H:MM:SS".
std::string durationText(double seconds);

}  // namespace tillid
