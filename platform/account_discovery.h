#pragma once
// Every account the system knows, whatever holds it: the system's own account files,
// the name service (so directory users from SSSD, LDAP or winbind appear), the login
// manager's users with sessions, systemd-homed's users, the owners of directories under the home
// roots, and the users cached by SSSD (with the cache files that hold their cached password
// hashes). Accounts are merged by account id; each records where it was found. Every source but the
// name service is read under the root prefix, so tests point them at a temporary tree.

#include <string>
#include <vector>

#include "common/result.h"
#include "platform/account_manager.h"

namespace tillid::platform {

struct AccountSources {
  std::string rootPrefix = "/";
  std::vector<std::string> homeRoots = {"/home"};  // as the system sees them
  // The name service describes the running system, not the tree under the root prefix:
  // the agent asks it only when the root prefix is "/".
  bool nameService = true;
};

struct DiscoveredAccount {
  Account account;                   // `locked` only for local ones
  bool local = false;                // in the system's own account files: lock and remove apply
  std::string domain;                // the directory domain ("" when local or unknown)
  std::vector<std::string> sources;  // "passwd", "nss", "logind", "homed",
                                     // "home-owner", "sssd-cache"
};

// The directory caches holding an account's cached credentials, as the system sees them.
struct CredentialCache {
  std::string domain;
  std::vector<std::string> files;         // the domain's cache and timestamp databases
  std::vector<AccountId> cachedAccounts;  // the users it holds
};

struct AccountDiscovery {
  std::vector<DiscoveredAccount> accounts;
  std::vector<CredentialCache> credentialCaches;
  int unreadableEntries = 0;  // cache records or home entries that could not be read
};

Result<AccountDiscovery> discoverAccounts(const AccountSources& sources);

}  // namespace tillid::platform
