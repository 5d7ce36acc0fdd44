#pragma once
// platform::AccountManager over an account table in memory. Every manager made by
// manager() shares the table and may lock and remove only the names it was given (never
// root, account id "0"), as the Linux one. Fault injection: after `failAfter` more successful
// changes, lock and remove return `failure` (kIo by default) and change nothing.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/account_manager.h"

namespace tillid::test {

class FakeAccounts {
 public:
  std::unique_ptr<platform::AccountManager> manager(std::vector<std::string> targets);

  void add(const platform::Account& account) { accounts.push_back(account); }
  std::optional<platform::Account> find(const std::string& name) const;

  std::vector<platform::Account> accounts;
  std::optional<int> failAfter;  // changes that still succeed; nullopt: all do
  Status failure = Status::error(ErrorCode::kIo, "the account database could not be written");
  Status listFailure;  // non-ok: list() returns it
};

}  // namespace tillid::test
