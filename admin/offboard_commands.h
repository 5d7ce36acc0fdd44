#pragma once
// tillid-admin's commands for the verified device reset (docs/offboarding.md):
//   offboard DEVICE --case REF --profile P --order-key FILE   sign and send the order
//   offboard status DEVICE                                     the run as the device reports it
//   certificate DEVICE [--html FILE]                           the verified certificate
// Each uses the global options --server --cert --key --ca and --json.

#include <vector>

#include "common/cli_app.h"

namespace tillid::admin {

std::vector<Command> offboardCommands();

}  // namespace tillid::admin
