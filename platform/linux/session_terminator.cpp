#include "platform/session_terminator.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "platform/linux/posix_error.h"
#include "platform/linux/uid_account.h"

namespace tillid::platform {
namespace {

class ProcSessionTerminator final : public SessionTerminator {
 public:
  ProcSessionTerminator(std::string procRoot, std::vector<uint32_t> uids)
      : procRoot_(std::move(procRoot)), uids_(std::move(uids)) {}

  Result<Outcome> terminate(std::chrono::milliseconds grace) override {
    Outcome outcome;
    auto asked = signalAll(SIGTERM);
    if (!asked) return asked.status();
    outcome.terminated = *asked;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      auto left = remaining();
      if (!left) return left.status();
      if (*left == 0) return outcome;
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto killed = signalAll(SIGKILL);
    if (!killed) return killed.status();
    outcome.killed = *killed;
    return outcome;
  }

  Result<int> remaining() override {
    auto pids = targetProcesses();
    if (!pids) return pids.status();
    return static_cast<int>(pids->size());
  }

 private:
  // Sends `signal` to each live target process; returns how many received it.
  Result<int> signalAll(int signal) const {
    auto pids = targetProcesses();
    if (!pids) return pids.status();
    int signalled = 0;
    for (const int pid : *pids) {
      if (::kill(pid, signal) == 0)
        ++signalled;
      else if (errno != ESRCH)
        return posixError("signalling process " + std::to_string(pid), errno);
    }
    return signalled;
  }

  // Live processes of the target users (zombies are already dead and only wait for
  // their parent).
  Result<std::vector<int>> targetProcesses() const {
    std::vector<int> pids;
    DIR* dir = ::opendir(procRoot_.c_str());
    if (dir == nullptr) {
      if (errno == ENOENT) return pids;  // a root with no processes
      return posixError("listing " + procRoot_, errno);
    }
    const int self = static_cast<int>(::getpid());
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const int pid = std::stoi(name);
      std::ifstream status(procRoot_ + "/" + name + "/status");
      bool zombie = false;
      std::optional<uint32_t> uid;
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
        if (line.rfind("Uid:", 0) == 0) {
          std::istringstream fields(line.substr(4));
          uint32_t real = 0;
          if (fields >> real) uid = real;
        }
      }
      if (pid != self && !zombie && uid &&
          std::find(uids_.begin(), uids_.end(), *uid) != uids_.end()) {
        pids.push_back(pid);
      }
    }
    ::closedir(dir);
    return pids;
  }

  std::string procRoot_;
  std::vector<uint32_t> uids_;
};

}  // namespace

Result<std::unique_ptr<SessionTerminator>> makeSessionTerminator(
    std::string procRoot, const std::vector<AccountId>& accounts) {
  std::vector<uint32_t> uids;
  for (const AccountId& account : accounts) {
    const auto uid = uidOfAccountId(account);
    if (!uid) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "not an account id of this system: " + account.value);
    }
    if (*uid == 0 || *uid == ::getuid()) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "refusing to end the sessions of uid " + account.value);
    }
    uids.push_back(*uid);
  }
  return std::unique_ptr<SessionTerminator>(
      std::make_unique<ProcSessionTerminator>(std::move(procRoot), std::move(uids)));
}

}  // namespace tillid::platform
