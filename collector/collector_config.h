#pragma once
// The collector's configuration schema: the embedded config/collector.default.json plus
// the constraints that types alone cannot express.

#include <optional>
#include <string>
#include <vector>

#include "common/config.h"

namespace tillid::collector {

Result<Config> loadCollectorConfig(const std::optional<std::string>& file,
                                   const std::vector<std::string>& overrides);

}  // namespace tillid::collector
