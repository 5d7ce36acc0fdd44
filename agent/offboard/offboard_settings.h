#pragma once
// The "offboard.*" keys of the agent configuration (config/agent.default.json documents
// each one).

#include <chrono>
#include <string>
#include <vector>

#include "common/config.h"
#include "platform/block_overwriter.h"

namespace tillid::offboard {

// Who carries out an accepted run: offboard_executor.h.
enum class Executor { kAgent, kResetService };

struct OffboardSettings {
  Executor executor = Executor::kAgent;
  std::vector<std::string> keepAccounts;       // never locked, removed or erased
  std::vector<std::string> homeSecretPaths;    // relative to each home, erased first
  std::vector<std::string> personalDataPaths;  // absolute; "{user}" expands per account
  std::vector<std::string> luksDevices;        // profile full: crypto-erase
  std::vector<std::string> blockDevices;       // profile full: overwrite
  platform::OverwritePattern pattern = platform::OverwritePattern::kRandom;
  platform::VerificationMode verification = platform::VerificationMode::kSample;
  size_t bufferBytes = 8 << 20;
  // The notice period for an order that names none (its params.notice_hours).
  double noticeHours = 24;
  // Ending sessions: SIGTERM first, SIGKILL to what is left after this long.
  std::chrono::milliseconds sessionGrace{std::chrono::seconds(10)};
  std::string finalCommand;     // profile full: run last; "" runs nothing
  std::string sssdStopCommand;  // stops sssd before its cache is erased
  std::string rootPrefix;       // "/" on a real system
};

OffboardSettings offboardSettings(const Config& config);

}  // namespace tillid::offboard
