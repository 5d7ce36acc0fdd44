#pragma once
// What every tillid-agent command starts from: the validated configuration and the
// state directory, taken from --config, --state-dir and --set.

#include "agent/service/state_paths.h"
#include "common/command_line.h"
#include "common/config.h"
#include "platform/platform.h"
#include "store/database.h"

namespace tillid::cli {

inline constexpr const char* kProgram = "tillid-agent";

struct AgentContext {
  Config config;
  StatePaths paths;
  // The OS services, built once here for offboard.root_prefix and passed to the agent and
  // the offboarding engine.
  platform::Platform platform = {};
};

std::vector<OptionSpec> agentGlobalOptions();

Result<AgentContext> loadAgentContext(const ParsedArgs& args);

// Opens the state directory's database read-only (for commands that show what is stored);
// a clear error when no agent has created it yet.
Result<store::Database> openStateDatabase(const StatePaths& paths);

}  // namespace tillid::cli
