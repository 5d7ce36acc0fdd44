#pragma once
// The explicit list of what a destructive primitive may touch. Every eraser takes one and
// refuses anything outside it: a path is permitted only when it is one of the listed
// targets or lies below one, and neither a target nor a checked path may lead through a
// symlink (a link planted inside a target cannot send the eraser out of it). System roots ("/",
// "/home", "/etc", any top-level directory) and anything below the system's programs,
// libraries and kernel (/usr, /bin, /lib, /boot, /proc, /sys) can never be listed, whatever
// the configuration says: the erasing code depends on them.

#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::platform {

class TargetList {
 public:
  // Normalizes each entry. kInvalidArgument for a relative path, a system root or tree;
  // kPermission for a path that leads through a symlink.
  static Result<TargetList> create(const std::vector<std::string>& paths);

  TargetList() = default;

  // ok when `path` is a target or lies below one without passing a symlink; kPermission
  // (naming the path) otherwise.
  Status permits(const std::string& path) const;
  // ok only when `path` is exactly one of the targets (devices and image files).
  Status permitsExactly(const std::string& path) const;

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;  // canonical
};

// The canonical form of `path`: symlinks resolved in every existing component, the
// missing tail appended lexically. kInvalidArgument for a relative path.
Result<std::string> canonicalPath(const std::string& path);

}  // namespace tillid::platform
