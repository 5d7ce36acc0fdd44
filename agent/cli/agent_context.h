#pragma once
// What every tillid-agent command starts from: the validated configuration and the
// state directory, taken from --config, --state-dir and --set.

#include "agent/core/command_line.h"
#include "agent/core/config.h"
#include "agent/service/state_paths.h"

namespace tillid::cli {

inline constexpr const char* kProgram = "tillid-agent";

struct AgentContext {
  Config config;
  StatePaths paths;
};

std::vector<OptionSpec> agentGlobalOptions();

Result<AgentContext> loadAgentContext(const ParsedArgs& args);

}  // namespace tillid::cli
