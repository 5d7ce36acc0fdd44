// libFuzzer target: arbitrary bytes as an agent configuration file (JSON with comments),
// through comment stripping, parsing, merging with the defaults and validation. Any
// input must end in a Config or a Status, never a crash or an exception.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "agent/core/agent_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/tillid-fuzz-config-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto config = tillid::loadAgentConfig(path, {});
  if (config) (void)config->canonical();
  // The same bytes as a --set value exercise the override parser.
  (void)tillid::loadAgentConfig(
      std::nullopt, {"log.level=" + std::string(reinterpret_cast<const char*>(data), size)});
  return 0;
}
