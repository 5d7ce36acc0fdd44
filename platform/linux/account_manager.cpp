#include "platform/account_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "platform/linux/posix_error.h"
#include "platform/linux/uid_account.h"

namespace tillid::platform {
namespace {

constexpr int kExpiredDay = 1;

std::vector<std::string> splitFields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ':')) fields.push_back(field);
  if (!line.empty() && line.back() == ':') fields.emplace_back();
  return fields;
}

std::string joinFields(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(':');
    line.append(fields[i]);
  }
  return line;
}

Result<std::vector<std::string>> readLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return posixError("reading " + path, errno);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Writes `lines` to a temporary file beside `path` with the same mode and owner, syncs
// it and renames it over `path`.
Status replaceFile(const std::string& path, const std::vector<std::string>& lines) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return posixError("examining " + path, errno);
  const std::string temp = path + ".tillid-new";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        st.st_mode & 07777);
  if (fd < 0) return posixError("creating " + temp, errno);
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  Status status;
  if (::fchmod(fd, st.st_mode & 07777) != 0 ||
      (::fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)) {
    status = posixError("setting the mode of " + temp, errno);
  }
  for (size_t done = 0; status && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      status = posixError("writing " + temp, errno);
    else
      done += static_cast<size_t>(n);
  }
  if (status && ::fsync(fd) != 0) status = posixError("syncing " + temp, errno);
  ::close(fd);
  if (status && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = posixError("renaming " + temp, errno);
  }
  if (!status) ::unlink(temp.c_str());
  return status;
}

// Rewrites each line of a colon-separated file through `edit` (nullopt drops the line).
Status editFile(const std::string& path,
                const std::function<std::optional<std::string>(std::vector<std::string>&)>& edit,
                bool optional) {
  if (optional && ::access(path.c_str(), F_OK) != 0) return Status::ok();
  auto lines = readLines(path);
  if (!lines) return lines.status();
  std::vector<std::string> out;
  bool changed = false;
  for (const auto& line : *lines) {
    auto fields = splitFields(line);
    if (line.empty() || line[0] == '#' || fields.empty()) {
      out.push_back(line);
      continue;
    }
    auto edited = edit(fields);
    if (!edited || *edited != line) changed = true;
    if (edited) out.push_back(*edited);
  }
  return changed ? replaceFile(path, out) : Status::ok();
}

std::string removeMember(const std::string& members, const std::string& name) {
  std::string out;
  std::istringstream in(members);
  for (std::string member; std::getline(in, member, ',');) {
    if (member == name) continue;
    if (!out.empty()) out.push_back(',');
    out.append(member);
  }
  return out;
}

class LinuxAccountManager final : public AccountManager {
 public:
  LinuxAccountManager(std::string rootPrefix, std::vector<std::string> targets)
      : etc_((rootPrefix == "/" ? "" : rootPrefix) + "/etc"), targets_(std::move(targets)) {}

  Result<std::vector<Account>> list() override {
    auto entries = readPasswd();
    if (!entries) return entries.status();
    std::vector<Account> accounts;
    for (auto& e : *entries) accounts.push_back(std::move(e.account));
    return accounts;
  }

  Status lock(const std::string& name) override {
    TILLID_RETURN_IF_ERROR(checkTarget(name));
    return editFile(
        etc_ + "/shadow",
        [&](std::vector<std::string>& f) -> std::optional<std::string> {
          if (f[0] == name && f.size() >= 2) {
            if (f[1].empty() || f[1][0] != '!') f[1].insert(f[1].begin(), '!');
            // Field 8 is the account expiry in days since 1970: day 1 is long past.
            if (f.size() < 9) f.resize(9);
            f[7] = std::to_string(kExpiredDay);
          }
          return joinFields(f);
        },
        false);
  }

  Status remove(const std::string& name) override {
    TILLID_RETURN_IF_ERROR(checkTarget(name));
    auto entries = readPasswd();
    if (!entries) return entries.status();
    std::optional<uint32_t> gid;
    for (const auto& e : *entries) {
      if (e.account.name == name) gid = e.gid;
    }
    const auto dropUser = [&](std::vector<std::string>& f) -> std::optional<std::string> {
      if (f[0] == name) return std::nullopt;
      return joinFields(f);
    };
    // The user-private group (same name, the user's primary gid) goes with the user;
    // membership lists (and gshadow's administrator lists) lose the name.
    const auto editGroups = [&](bool gshadow) {
      return [&, gshadow](std::vector<std::string>& f) -> std::optional<std::string> {
        const bool privateGroup =
            f[0] == name && (gshadow || (f.size() > 2 && gid && f[2] == std::to_string(*gid)));
        if (privateGroup) return std::nullopt;
        if (f.size() > 3) f[3] = removeMember(f[3], name);
        if (gshadow && f.size() > 2) f[2] = removeMember(f[2], name);
        return joinFields(f);
      };
    };
    TILLID_RETURN_IF_ERROR(editFile(etc_ + "/shadow", dropUser, false));
    TILLID_RETURN_IF_ERROR(editFile(etc_ + "/group", editGroups(false), false));
    TILLID_RETURN_IF_ERROR(editFile(etc_ + "/gshadow", editGroups(true), true));
    // passwd last: while the user is listed there, a resumed step still finds its gid.
    return editFile(etc_ + "/passwd", dropUser, false);
  }

 private:
  struct PasswdEntry {
    Account account;
    uint32_t gid = 0;  // the primary group, whose user-private group goes with the user
  };

  Result<std::vector<PasswdEntry>> readPasswd() const {
    auto lines = readLines(etc_ + "/passwd");
    if (!lines) return lines.status();
    auto shadow = readLines(etc_ + "/shadow");
    std::vector<PasswdEntry> entries;
    for (const auto& line : *lines) {
      const auto f = splitFields(line);
      if (f.size() < 7 || line[0] == '#') continue;
      PasswdEntry e;
      Account& account = e.account;
      account.name = f[0];
      uint32_t uid = 0;
      try {
        uid = static_cast<uint32_t>(std::stoul(f[2]));
        e.gid = static_cast<uint32_t>(std::stoul(f[3]));
      } catch (const std::exception&) {
        continue;  // a malformed line is not an account anyone can log in with
      }
      account.id = accountIdOfUid(uid);
      account.home = f[5];
      account.shell = f[6];
      account.person = isPersonUid(uid, account.shell);
      if (shadow) {
        for (const auto& s : *shadow) {
          const auto sf = splitFields(s);
          if (sf.size() >= 2 && sf[0] == account.name)
            account.locked = !sf[1].empty() && sf[1][0] == '!';
        }
      }
      entries.push_back(std::move(e));
    }
    return entries;
  }

  Status checkTarget(const std::string& name) const {
    if (name == "root" || std::find(targets_.begin(), targets_.end(), name) == targets_.end()) {
      return Status::error(ErrorCode::kPermission,
                           "refusing account " + name + ": not in the explicit target list");
    }
    return Status::ok();
  }

  std::string etc_;
  std::vector<std::string> targets_;
};

}  // namespace

std::unique_ptr<AccountManager> makeAccountManager(const std::string& rootPrefix,
                                                   std::vector<std::string> targets) {
  return std::make_unique<LinuxAccountManager>(rootPrefix, std::move(targets));
}

}  // namespace tillid::platform
