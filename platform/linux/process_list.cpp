#include "platform/process_list.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace tillid::platform {
namespace {

std::string readWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> splitNul(const std::string& text) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (start < text.size()) {
    const auto end = text.find('\0', start);
    parts.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

bool allDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::vector<ProcessEntry> processesNamed(const std::string& name) {
  std::vector<ProcessEntry> found;
  const int self = static_cast<int>(::getpid());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pidText = entry.path().filename().string();
    if (!allDigits(pidText)) continue;
    const int pid = std::stoi(pidText);
    if (pid == self) continue;
    // cmdline's first word, not comm: comm is cut at 15 characters.
    std::vector<std::string> args = splitNul(readWhole(entry.path() / "cmdline"));
    if (args.empty()) continue;  // a kernel thread, or gone meanwhile
    if (std::filesystem::path(args[0]).filename() != name) continue;
    found.push_back({pid, std::move(args)});
  }
  return found;
}

}  // namespace tillid::platform
