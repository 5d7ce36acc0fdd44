#pragma once
// tillid-admin's commands for queries under the rules (issue 6): keygen, query,
// spot-check, flags, audit-check, tasks, access-log. Each uses the global options
// --server --cert --key --ca and --json.

#include <vector>

#include "agent/core/cli_app.h"

namespace tillid::admin {

std::vector<Command> taskCommands();

}  // namespace tillid::admin
