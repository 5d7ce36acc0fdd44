#include "agent/offboard/offboard_settings.h"

namespace tillid::offboard {

OffboardSettings offboardSettings(const Config& config) {
  OffboardSettings s;
  s.executor = config.string("offboard.executor") == "reset-service" ? Executor::kResetService
                                                                     : Executor::kAgent;
  s.keepAccounts = config.strings("offboard.keep_accounts");
  s.homeSecretPaths = config.strings("offboard.home_secret_paths");
  s.personalDataPaths = config.strings("offboard.personal_data_paths");
  s.luksDevices = config.strings("offboard.luks_devices");
  s.blockDevices = config.strings("offboard.block_devices");
  s.pattern = config.string("offboard.overwrite_pattern") == "zeros"
                  ? platform::OverwritePattern::kZeros
                  : platform::OverwritePattern::kRandom;
  s.verification = config.string("offboard.verification") == "full"
                       ? platform::VerificationMode::kFull
                       : platform::VerificationMode::kSample;
  s.bufferBytes = static_cast<size_t>(config.integer("offboard.buffer_mib")) << 20;
  s.noticeHours = config.number("offboard.notice_hours");
  s.sessionGrace = std::chrono::seconds(config.integer("offboard.session_grace_seconds"));
  s.finalCommand = config.string("offboard.final_command");
  s.sssdStopCommand = config.string("offboard.sssd_stop_command");
  s.rootPrefix = config.string("offboard.root_prefix");
  return s;
}

}  // namespace tillid::offboard
