#pragma once
// Local user accounts: listing, locking and removing them. The Linux implementation edits
// <root>/etc/passwd, shadow, group and gshadow (each rewritten to a temporary file and
// renamed over the original, so a crash leaves the old or the new file, never half of
// one). Tests pass a temporary root; the agent passes "/". Not thread-safe: one caller.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::platform {

struct Account {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;  // as written in passwd (relative to the root prefix)
  std::string shell;
  bool locked = false;  // the shadow password starts with '!'
};

class AccountManager {
 public:
  virtual ~AccountManager() = default;

  virtual Result<std::vector<Account>> list() = 0;
  // Marks the password invalid ('!' prefix in shadow) and sets the account's expiry in
  // the past, so neither passwords nor keys log it in. Idempotent.
  virtual Status lock(const std::string& name) = 0;
  // Removes the account from passwd and shadow, its user-private group, and its name
  // from every group's member list. Idempotent: an absent account is ok.
  virtual Status remove(const std::string& name) = 0;
};

// An account manager for the system under `rootPrefix` that may lock and remove only the
// accounts named in `targets`; root (uid 0) is refused whatever the list says.
std::unique_ptr<AccountManager> makeAccountManager(const std::string& rootPrefix,
                                                   std::vector<std::string> targets);

// People's accounts: uid 1000 and up except Debian's reserved 60000-65535 (systemd's
// dynamic users, nobody), so directory users (SSSD, AD: 1500000 and up) count; a shell
// that refuses logins (nologin, false) marks a service account whatever its uid.
bool isPersonAccount(const Account& account);

}  // namespace tillid::platform
