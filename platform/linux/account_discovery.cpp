#include "platform/account_discovery.h"

#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

#include "common/canonical_json.h"
#include "common/files.h"
#include "platform/linux/uid_account.h"

namespace tillid::platform {
namespace {

std::string underRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  std::string prefix = root;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  return prefix + path;
}

std::vector<std::string> listDirectory(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// The file's bytes, or "" when it cannot be read.
std::string readAll(const std::string& path) {
  auto text = readWholeFile(path);
  return text ? *text : std::string();
}

class Merger {
 public:
  DiscoveredAccount& add(uint32_t uid, const std::string& source) {
    auto& d = byUid_[uid];
    d.account.id = accountIdOfUid(uid);
    if (std::find(d.sources.begin(), d.sources.end(), source) == d.sources.end())
      d.sources.push_back(source);
    return d;
  }

  std::vector<DiscoveredAccount> take() {
    std::vector<DiscoveredAccount> out;
    for (auto& [uid, d] : byUid_) {
      d.account.person = isPersonUid(uid, d.account.shell);
      out.push_back(std::move(d));
    }
    return out;
  }

 private:
  std::map<uint32_t, DiscoveredAccount> byUid_;
};

void fill(DiscoveredAccount& d, const std::string& name, const std::string& home,
          const std::string& shell) {
  if (d.account.name.empty()) d.account.name = name;
  if (d.account.home.empty()) d.account.home = home;
  if (d.account.shell.empty()) d.account.shell = shell;
}

// One LDB message in the packed form (format 0x26011967): element count, DN, then each
// element's name, value count and length-prefixed, NUL-terminated values.
struct LdbMessage {
  std::map<std::string, std::vector<std::string>> values;
  std::string first(const std::string& attribute) const {
    auto it = values.find(attribute);
    return it == values.end() || it->second.empty() ? "" : it->second.front();
  }
};

bool readU32(const std::string& data, size_t& at, uint32_t& out) {
  if (at + 4 > data.size()) return false;
  out = static_cast<uint32_t>(static_cast<uint8_t>(data[at])) |
        static_cast<uint32_t>(static_cast<uint8_t>(data[at + 1])) << 8 |
        static_cast<uint32_t>(static_cast<uint8_t>(data[at + 2])) << 16 |
        static_cast<uint32_t>(static_cast<uint8_t>(data[at + 3])) << 24;
  at += 4;
  return true;
}

bool readCString(const std::string& data, size_t& at, std::string& out) {
  const size_t end = data.find('\0', at);
  if (end == std::string::npos) return false;
  out = data.substr(at, end - at);
  at = end + 1;
  return true;
}

bool unpackLdb(const std::string& data, size_t at, LdbMessage& message) {
  uint32_t elements = 0;
  std::string dn;
  if (!readU32(data, at, elements) || elements > 4096 || !readCString(data, at, dn)) return false;
  for (uint32_t e = 0; e < elements; ++e) {
    std::string name;
    uint32_t count = 0;
    if (!readCString(data, at, name) || !readU32(data, at, count) || count > 65536) return false;
    auto& values = message.values[name];
    for (uint32_t v = 0; v < count; ++v) {
      uint32_t length = 0;
      if (!readU32(data, at, length) || at + length + 1 > data.size()) return false;
      values.push_back(data.substr(at, length));
      at += length + 1;
    }
  }
  return true;
}

// The user records of an SSSD cache database (a TDB file of packed LDB messages). Freed
// records still in the file are read too: what they name is in the file until it goes.
std::vector<LdbMessage> ldbUsers(const std::string& path, int& unreadable) {
  const std::string data = readAll(path);
  static const std::string kMagic("\x67\x19\x01\x26", 4);
  std::vector<LdbMessage> users;
  for (size_t at = data.find(kMagic); at != std::string::npos; at = data.find(kMagic, at + 4)) {
    LdbMessage message;
    if (!unpackLdb(data, at + 4, message)) {
      ++unreadable;
      continue;
    }
    const auto& classes = message.values["objectClass"];
    if (std::find(classes.begin(), classes.end(), "user") != classes.end() &&
        !message.first("uidNumber").empty()) {
      users.push_back(std::move(message));
    }
  }
  return users;
}

std::optional<uint32_t> parseUid(const std::string& text) {
  return uidOfAccountId({text});
}

void addSssdCaches(const AccountSources& s, Merger& merger, AccountDiscovery& found) {
  const std::string db = "/var/lib/sss/db";
  for (const auto& file : listDirectory(underRoot(s.rootPrefix, db))) {
    const std::string prefix = "cache_";
    const std::string suffix = ".ldb";
    if (file.rfind(prefix, 0) != 0 || file.size() <= prefix.size() + suffix.size() ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    CredentialCache cache;
    cache.domain = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
    cache.files.push_back(db + "/" + file);
    const std::string timestamps = db + "/timestamps_" + cache.domain + suffix;
    struct stat st {};
    if (::lstat(underRoot(s.rootPrefix, timestamps).c_str(), &st) == 0)
      cache.files.push_back(timestamps);
    for (const auto& user :
         ldbUsers(underRoot(s.rootPrefix, db + "/" + file), found.unreadableEntries)) {
      const auto uid = parseUid(user.first("uidNumber"));
      if (!uid) {
        ++found.unreadableEntries;
        continue;
      }
      auto& d = merger.add(*uid, "sssd-cache");
      fill(d, user.first("name"), user.first("homeDirectory"), user.first("loginShell"));
      if (d.domain.empty() && !d.local) d.domain = cache.domain;
      if (std::find(cache.cachedAccounts.begin(), cache.cachedAccounts.end(), d.account.id) ==
          cache.cachedAccounts.end())
        cache.cachedAccounts.push_back(d.account.id);
    }
    found.credentialCaches.push_back(std::move(cache));
  }
}

// logind's per-user state files (what sd_get_uids lists): one per user with a session.
void addLogindUsers(const AccountSources& s, Merger& merger) {
  const std::string dir = underRoot(s.rootPrefix, "/run/systemd/users");
  for (const auto& file : listDirectory(dir)) {
    const auto uid = parseUid(file);
    if (!uid) continue;
    std::ifstream in(dir + "/" + file);
    std::string name;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("NAME=", 0) == 0) name = line.substr(5);
    }
    fill(merger.add(*uid, "logind"), name, "", "");
  }
}

// systemd-homed's users: one JSON user record per user (https://systemd.io/USER_RECORD/),
// which no passwd file holds. Their data at rest is the home's image (a LUKS file, or a
// directory or subvolume beside the mount point), so that is the home to erase; the mount
// point is empty while the user is logged out.
void addHomedUsers(const AccountSources& s, Merger& merger, AccountDiscovery& found) {
  const std::string dir = underRoot(s.rootPrefix, "/var/lib/systemd/home");
  for (const auto& file : listDirectory(dir)) {
    if (file.size() <= 9 || file.substr(file.size() - 9) != ".identity") continue;
    auto record = parseJsonObject(readAll(dir + "/" + file));
    if (!record || !(*record)->has("uid") || !(*record)->get("uid").isInteger()) {
      ++found.unreadableEntries;
      continue;
    }
    const auto uid = parseUid((*record)->get("uid").toString());
    const std::string name = stringMember(*record, "userName");
    if (!uid || name.empty()) {
      ++found.unreadableEntries;
      continue;
    }
    std::string home = stringMember(*record, "imagePath");
    if (home.empty()) home = stringMember(*record, "homeDirectory");
    if (home.empty()) home = "/home/" + name;
    std::string shell = stringMember(*record, "shell");
    if (shell.empty()) shell = "/bin/bash";  // homed's default
    fill(merger.add(*uid, "homed"), name, home, shell);
  }
}

// Directories under each home root, by owner; a root-owned directory there (a domain's
// "/home/<domain>") is looked into one level down.
void addHomeOwners(const AccountSources& s, Merger& merger, AccountDiscovery& found) {
  for (const auto& homeRoot : s.homeRoots) {
    std::vector<std::pair<std::string, int>> pending = {{homeRoot, 0}};
    while (!pending.empty()) {
      const auto [dir, depth] = pending.back();
      pending.pop_back();
      for (const auto& name : listDirectory(underRoot(s.rootPrefix, dir))) {
        const std::string home = dir + "/" + name;
        struct stat st {};
        if (::lstat(underRoot(s.rootPrefix, home).c_str(), &st) != 0) {
          ++found.unreadableEntries;
          continue;
        }
        if (!S_ISDIR(st.st_mode)) continue;
        if (st.st_uid == 0) {
          if (depth == 0) pending.emplace_back(home, 1);
          continue;
        }
        auto& d = merger.add(st.st_uid, "home-owner");
        fill(d, name, home, "");
      }
    }
  }
}

}  // namespace

Result<AccountDiscovery> discoverAccounts(const AccountSources& s) {
  AccountDiscovery found;
  Merger merger;
  auto local = makeAccountManager(s.rootPrefix, {})->list();
  if (!local) return local.status();
  for (const auto& a : *local) {
    auto& d = merger.add(*uidOfAccountId(a.id), "passwd");
    d.account = a;
    d.local = true;
  }
  if (s.nameService) {
    // Every configured NSS source in order (files, then sss, ldap, winbind, systemd...).
    ::setpwent();
    while (const passwd* pw = ::getpwent()) {
      fill(merger.add(pw->pw_uid, "nss"), pw->pw_name, pw->pw_dir, pw->pw_shell);
    }
    ::endpwent();
  }
  addSssdCaches(s, merger, found);
  addLogindUsers(s, merger);
  addHomedUsers(s, merger, found);
  addHomeOwners(s, merger, found);
  found.accounts = merger.take();
  return found;
}

}  // namespace tillid::platform
