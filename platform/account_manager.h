#pragma once
// Local user accounts: listing, locking and removing them, on the system under a root prefix
// (tests pass a temporary tree; the agent passes "/"). Each change of an account database
// is atomic: a crash leaves the old or the new one, never half of one. Not thread-safe:
// one caller.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "platform/account_id.h"

namespace tillid::platform {

struct Account {
  AccountId id;
  std::string name;
  std::string home;  // as the system records it (relative to the root prefix)
  std::string shell;
  bool locked = false;  // its password no longer logs it in
  // A human's account, not a system or service one, by the system's own conventions (each
  // implementation states its rule).
  bool person = false;
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
// accounts named in `targets`; the system's administrator account is refused whatever the
// list says.
std::unique_ptr<AccountManager> makeAccountManager(const std::string& rootPrefix,
                                                   std::vector<std::string> targets);

}  // namespace tillid::platform
