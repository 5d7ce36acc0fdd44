#pragma once
// Which account something belongs to, as the operating system identifies it (a decimal uid
// on Linux, a SID string on Windows). Opaque above the platform line: compared, stored and
// shown, never parsed or computed with; only platform/<os>/ knows what it holds.

#include <compare>
#include <string>

namespace tillid::platform {

struct AccountId {
  std::string value;
  auto operator<=>(const AccountId&) const = default;
};

}  // namespace tillid::platform
