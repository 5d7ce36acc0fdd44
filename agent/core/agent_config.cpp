#include "agent/core/agent_config.h"

namespace tillid {
namespace embedded {
extern const char agent_default_json[];
}

const char* agentDefaultConfigText() { return embedded::agent_default_json; }

std::vector<ConfigConstraint> agentConfigConstraints() {
  return {
      oneOfConstraint("log.target", {"stderr", "syslog"}),
      oneOfConstraint("log.level", {"trace", "debug", "information", "notice", "warning",
                                    "error", "critical", "fatal"}),
      rangeConstraint("store.batch_max_rows", 1, 100000),
      rangeConstraint("store.batch_max_ms", 1, 60000),
      rangeConstraint("store.busy_timeout_ms", 0, 600000),
      rangeConstraint("health.interval_ms", 0, 86400000),
      rangeConstraint("health.keep_samples", 1, 10000000),
  };
}

Result<Config> loadAgentConfig(const std::optional<std::string>& file,
                               const std::vector<std::string>& overrides) {
  return Config::load({agentDefaultConfigText(), "agent.default.json", file, overrides},
                      agentConfigConstraints());
}

}  // namespace tillid
