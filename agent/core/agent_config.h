#pragma once
// The agent's configuration schema: the embedded config/agent.default.json plus the
// constraints that types alone cannot express.

#include <vector>

#include "common/config.h"

namespace tillid {

// The text of config/agent.default.json as compiled into the binary.
const char* agentDefaultConfigText();

std::vector<ConfigConstraint> agentConfigConstraints();

// Loads the agent's configuration from its sources (file and --set overrides).
Result<Config> loadAgentConfig(const std::optional<std::string>& file,
                               const std::vector<std::string>& overrides);

}  // namespace tillid
