#pragma once
// The enrollment tokens file (enrollment.tokens_file): which tokens the collector
// accepts, by SHA-256, with their use limit and expiry. scripts/dev-pki writes one.
//   {"tokens": [{"sha256": "<hex>", "max_uses": 1, "expires": "2026-12-01T00:00:00Z"}]}

#include <string>
#include <vector>

#include "collector/storage.h"

namespace tillid::collector {

Result<std::vector<EnrollmentToken>> readTokensFile(const std::string& path);

}  // namespace tillid::collector
