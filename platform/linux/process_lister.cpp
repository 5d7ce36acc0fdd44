// Processes on Linux, from /proc: the executable name from comm (the Citrix lister) or
// from cmdline's first word (processesNamed: comm is cut at 15 characters), the real uid
// from status. Processes that exit while they are read are skipped.

#include "platform/process_lister.h"

#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>

namespace tillid::platform {
namespace {

// Calls `visit(pid, "/proc/<pid>")` for every process directory; false when /proc is
// unreadable.
bool forEachProcess(const std::function<void(int, const std::string&)>& visit) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return false;
  while (const dirent* entry = readdir(dir)) {
    const std::string pid = entry->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    visit(std::stoi(pid), "/proc/" + pid);
  }
  closedir(dir);
  return true;
}

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

std::vector<std::string> commandLine(const std::string& processDir) {
  std::ifstream in(processDir + "/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string::size_type start = 0;
  while (start < text.size()) {
    const auto end = text.find('\0', start);
    args.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return args;
}

class ProcFsProcessLister final : public ProcessLister {
 public:
  Result<std::vector<ProcessInfo>> list() override {
    std::vector<ProcessInfo> out;
    const bool read = forEachProcess([&](int pid, const std::string& dir) {
      std::ifstream comm(dir + "/comm");
      std::string name;
      uid_t uid = 0;
      if (!std::getline(comm, name) || !readUid(dir + "/status", uid)) return;
      out.push_back({pid, name, userName(uid, users_)});
    });
    if (!read) return Status::error(ErrorCode::kIo, "cannot open /proc");
    return out;
  }

 private:
  std::map<uid_t, std::string> users_;  // uid -> name; users rarely change while we run
};

}  // namespace

std::unique_ptr<ProcessLister> makeProcessLister() {
  return std::make_unique<ProcFsProcessLister>();
}

std::vector<ProcessCommandLine> processesNamed(const std::string& name) {
  std::vector<ProcessCommandLine> found;
  const int self = static_cast<int>(::getpid());
  forEachProcess([&](int pid, const std::string& dir) {
    if (pid == self) return;
    std::vector<std::string> args = commandLine(dir);
    if (args.empty()) return;  // a kernel thread, or gone meanwhile
    if (std::filesystem::path(args[0]).filename() != name) return;
    found.push_back({pid, std::move(args)});
  });
  return found;
}

}  // namespace tillid::platform
