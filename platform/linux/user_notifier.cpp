#include "platform/user_notifier.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "platform/linux/posix_error.h"
#include "platform/linux/uid_account.h"

namespace tillid::platform {
namespace {

class SessionBusNotifier final : public UserNotifier {
 public:
  explicit SessionBusNotifier(std::string runtimeRoot) : runtimeRoot_(std::move(runtimeRoot)) {}

  Status notify(const AccountId& account, const std::string& summary,
                const std::string& body) override {
    const auto uid = uidOfAccountId(account);
    if (!uid) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "not an account id of this system: " + account.value);
    }
    const std::string runtimeDir = runtimeRoot_ + "/" + account.value;
    const std::string bus = runtimeDir + "/bus";
    struct stat st {};
    if (::stat(bus.c_str(), &st) != 0) {
      return Status::error(ErrorCode::kNotFound,
                           "uid " + account.value + " has no session bus (not logged in)");
    }
    // The runtime directory belongs to the user and their primary group.
    struct stat dir {};
    if (::stat(runtimeDir.c_str(), &dir) != 0) return posixError(runtimeDir, errno);
    const gid_t gid = dir.st_gid;
    const std::string address = "DBUS_SESSION_BUS_ADDRESS=unix:path=" + bus;
    const std::string xdg = "XDG_RUNTIME_DIR=" + runtimeDir;
    const pid_t pid = ::fork();
    if (pid < 0) return posixError("fork for notify-send", errno);
    if (pid == 0) {
      // The child drops to the user before it talks to the user's bus.
      if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
          ::setresuid(*uid, *uid, *uid) != 0) {
        ::_exit(126);
      }
      char* env[] = {const_cast<char*>(address.c_str()), const_cast<char*>(xdg.c_str()),
                     const_cast<char*>("PATH=/usr/local/bin:/usr/bin:/bin"), nullptr};
      const char* argv[] = {"notify-send",   "--urgency=critical", "--app-name=Tillid",
                            summary.c_str(), body.c_str(),         nullptr};
      ::execvpe("notify-send", const_cast<char* const*>(argv), env);
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return posixError("waiting for notify-send", errno);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Status::error(ErrorCode::kUnavailable, "notify-send for uid " + account.value +
                                                        " failed (status " +
                                                        std::to_string(status) + ")");
    }
    return Status::ok();
  }

 private:
  const std::string runtimeRoot_;
};

}  // namespace

std::unique_ptr<UserNotifier> makeUserNotifier(std::string runtimeRoot) {
  return std::make_unique<SessionBusNotifier>(std::move(runtimeRoot));
}

}  // namespace tillid::platform
