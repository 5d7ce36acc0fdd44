#include "platform/target_list.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

namespace tillid::platform {
namespace {

namespace fs = std::filesystem;

// Anything at depth 0 or 1 ("/", "/home", "/etc", "/usr", ...) is a system root.
bool isSystemRoot(const std::string& canonical) {
  const fs::path p(canonical);
  return p == p.root_path() || p.parent_path() == p.root_path();
}

bool isBelowOrEqual(const std::string& path, const std::string& base) {
  if (path == base) return true;
  return path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
         path[base.size()] == '/';
}

// The system's programs, libraries, kernel and live state: the erasing code depends on
// them, so nothing below them is ever a target (Fleet #43869 deleted its own rm's libraries).
// Device nodes under /dev stay listable: block devices are exact targets.
constexpr std::array<const char*, 10> kSystemTrees = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc", "/sys"};

bool isInSystemTree(const std::string& canonical) {
  return std::any_of(kSystemTrees.begin(), kSystemTrees.end(),
                     [&](const char* tree) { return isBelowOrEqual(canonical, tree); });
}

std::string lexicalPath(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// The canonical path, refused when symlinks lead there: a target reached through a link
// (a user's ~/.mozilla made a link to /etc/ssl) could send the eraser anywhere.
Result<std::string> canonicalWithoutLinks(const std::string& path) {
  auto canonical = canonicalPath(path);
  if (!canonical) return canonical.status();
  if (*canonical != lexicalPath(path)) {
    return Status::error(ErrorCode::kPermission,
                         "refusing " + path + ": it leads through a symlink to " + *canonical);
  }
  return canonical;
}

}  // namespace

Result<std::string> canonicalPath(const std::string& path) {
  const fs::path p(path);
  if (!p.is_absolute()) {
    return Status::error(ErrorCode::kInvalidArgument, "not an absolute path: " + path);
  }
  std::error_code error;
  // weakly_canonical resolves the existing prefix and normalizes the rest ("..").
  const fs::path canonical = fs::weakly_canonical(p, error);
  if (error) {
    return Status::error(ErrorCode::kIo, "resolving " + path + ": " + error.message());
  }
  std::string text = canonical.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

Result<TargetList> TargetList::create(const std::vector<std::string>& paths) {
  TargetList list;
  for (const auto& path : paths) {
    auto canonical = canonicalWithoutLinks(path);
    if (!canonical) return canonical.status();
    if (isSystemRoot(*canonical) || isInSystemTree(*canonical)) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "refusing a system root or system tree as an erase target: " + path);
    }
    list.paths_.push_back(*canonical);
  }
  return list;
}

Status TargetList::permits(const std::string& path) const {
  auto canonical = canonicalWithoutLinks(path);
  if (!canonical) return canonical.status();
  const bool inside = std::any_of(paths_.begin(), paths_.end(), [&](const std::string& base) {
    return isBelowOrEqual(*canonical, base);
  });
  if (inside && !isSystemRoot(*canonical)) return Status::ok();
  return Status::error(ErrorCode::kPermission,
                       "refusing " + path + ": not inside the explicit target list");
}

Status TargetList::permitsExactly(const std::string& path) const {
  auto canonical = canonicalWithoutLinks(path);
  if (!canonical) return canonical.status();
  if (std::find(paths_.begin(), paths_.end(), *canonical) != paths_.end()) return Status::ok();
  return Status::error(ErrorCode::kPermission,
                       "refusing " + path + ": not one of the explicitly listed targets");
}

}  // namespace tillid::platform
