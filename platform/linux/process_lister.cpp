// ProcessLister on Linux: reads /proc/<pid>/comm and the real uid from /proc/<pid>/status.

#include "platform/process_lister.h"

#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace tillid::platform {
namespace {

std::string userName(uid_t uid, std::map<uid_t, std::string>& cache) {
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  std::string name = std::to_string(uid);
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  cache.emplace(uid, name);
  return name;
}

bool readUid(const std::string& statusPath, uid_t& uid) {
  std::ifstream in(statusPath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      std::istringstream fields(line.substr(4));
      unsigned long value = 0;
      if (!(fields >> value)) return false;
      uid = static_cast<uid_t>(value);
      return true;
    }
  }
  return false;
}

class ProcFsProcessLister final : public ProcessLister {
 public:
  Result<std::vector<ProcessInfo>> list() override {
    DIR* dir = opendir("/proc");
    if (dir == nullptr) return Status::error(ErrorCode::kIo, "cannot open /proc");
    std::vector<ProcessInfo> out;
    while (const dirent* entry = readdir(dir)) {
      const std::string pid = entry->d_name;
      if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
      const std::string base = "/proc/" + pid;
      std::ifstream comm(base + "/comm");
      std::string name;
      if (!std::getline(comm, name)) continue;  // exited meanwhile
      uid_t uid = 0;
      if (!readUid(base + "/status", uid)) continue;
      out.push_back({std::stoi(pid), name, userName(uid, users_)});
    }
    closedir(dir);
    return out;
  }

 private:
  std::map<uid_t, std::string> users_;  // uid -> name; users rarely change while we run
};

}  // namespace

std::unique_ptr<ProcessLister> makeProcessLister() {
  return std::make_unique<ProcFsProcessLister>();
}

}  // namespace tillid::platform
