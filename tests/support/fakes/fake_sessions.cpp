#include "tests/support/fakes/fake_sessions.h"

#include <unistd.h>

#include <string>

namespace tillid::test {
namespace {

class FakeSessionTerminator final : public platform::SessionTerminator {
 public:
  FakeSessionTerminator(FakeSessions& table, std::vector<uint32_t> uids)
      : table_(table), uids_(std::move(uids)) {}

  Result<Outcome> terminate(std::chrono::milliseconds) override {
    if (!table_.failure) return table_.failure;
    Outcome outcome;
    for (uint32_t uid : uids_) {
      auto& p = table_.users[uid];
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
    for (uint32_t uid : uids_) left += table_.users[uid].polite + table_.users[uid].stubborn;
    return left;
  }

 private:
  FakeSessions& table_;
  const std::vector<uint32_t> uids_;
};

}  // namespace

Result<std::unique_ptr<platform::SessionTerminator>> FakeSessions::terminator(
    std::vector<uint32_t> uids) {
  for (uint32_t uid : uids) {
    if (uid == 0 || uid == ::getuid()) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "refusing to end the sessions of uid " + std::to_string(uid));
    }
  }
  return std::unique_ptr<platform::SessionTerminator>(
      std::make_unique<FakeSessionTerminator>(*this, std::move(uids)));
}

}  // namespace tillid::test
