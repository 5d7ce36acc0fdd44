#include "tests/support/fakes/fake_sessions.h"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace tillid::test {
namespace {

class FakeSessionTerminator final : public platform::SessionTerminator {
 public:
  FakeSessionTerminator(FakeSessions& table, std::vector<platform::AccountId> accounts)
      : table_(table), accounts_(std::move(accounts)) {}

  Result<Outcome> terminate(std::chrono::milliseconds) override {
    if (!table_.failure) return table_.failure;
    Outcome outcome;
    for (const auto& account : accounts_) {
      auto& p = table_.users[account];
      outcome.terminated += p.polite + p.stubborn;
      outcome.killed += p.stubborn;
      p.polite = 0;
      p.stubborn = 0;
      if (p.respawns > 0) {
        p.polite = p.respawning;
        --p.respawns;
      }
    }
    return outcome;
  }

  Result<int> remaining() override {
    if (!table_.failure) return table_.failure;
    int left = 0;
    for (const auto& account : accounts_) {
      left += table_.users[account].polite + table_.users[account].stubborn;
    }
    return left;
  }

 private:
  FakeSessions& table_;
  const std::vector<platform::AccountId> accounts_;
};

}  // namespace

FakeSessions::FakeSessions() : refused{{"0"}, {std::to_string(::getuid())}} {}

Result<std::unique_ptr<platform::SessionTerminator>> FakeSessions::terminator(
    const std::vector<platform::AccountId>& accounts) {
  for (const auto& account : accounts) {
    if (std::find(refused.begin(), refused.end(), account) != refused.end()) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "refusing to end the sessions of " + account.value);
    }
  }
  return std::unique_ptr<platform::SessionTerminator>(
      std::make_unique<FakeSessionTerminator>(*this, accounts));
}

}  // namespace tillid::test
