#pragma once
// Account ids on Linux are uids in decimal; these convert between the two and hold the rule
// for which uids are people's, for the account, session and notification services.

#include <cstdint>
#include <optional>
#include <string>

#include "platform/account_id.h"

namespace tillid::platform {

AccountId accountIdOfUid(uint32_t uid);
// nullopt unless `id` is a uid in decimal.
std::optional<uint32_t> uidOfAccountId(const AccountId& id);

// People's accounts: uid 1000 and up except Debian's reserved 60000-65535 (systemd's dynamic
// users, nobody) and container ids, so directory users (SSSD, AD: 1500000 and up) count, and
// systemd-homed's users (60001-60513) do too; a shell that refuses logins (nologin, false)
// marks a service account whatever its uid.
bool isPersonUid(uint32_t uid, const std::string& shell);

}  // namespace tillid::platform
