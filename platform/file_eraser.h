#pragma once
// Secure erase of files and directory trees: every regular file is overwritten with zeros,
// flushed to the device and read back before it is unlinked; directories are emptied
// bottom-up and removed. Symlinks are removed, never followed; files with more than one
// hard link are only unlinked (overwriting them would destroy the other name's data,
// which may lie outside the target); other file systems mounted inside a target are
// refused rather than crossed. Thread-safe: no shared state.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "platform/target_list.h"

namespace tillid::platform {

struct FileEraseReport {
  uint64_t files = 0;             // regular files overwritten, verified and unlinked
  uint64_t bytesOverwritten = 0;  // their total size
  uint64_t hardLinkedFiles = 0;   // unlinked without overwrite (nlink > 1)
  uint64_t symlinks = 0;          // removed without following
  uint64_t otherEntries = 0;      // sockets, fifos, device nodes: removed
  uint64_t directories = 0;       // removed, including `path` itself
};

// Erases `path` (a file or a directory tree). A path that does not exist is already
// erased (ok, zero counts), so a resumed step can run it again. REQUIRES: targets
// permits `path`; kPermission otherwise, before anything is touched.
Result<FileEraseReport> eraseTree(const std::string& path, const TargetList& targets);

// The erase's own check: nothing remains at `path` (lstat says it does not exist).
Status verifyErased(const std::string& path);

// The two operations above as a service the offboarding engine receives (platform.h), so
// tests can pass a fake that fails half way or leaves something behind.
class FileEraser {
 public:
  virtual ~FileEraser() = default;
  virtual Result<FileEraseReport> eraseTree(const std::string& path, const TargetList& targets) = 0;
  virtual Status verifyErased(const std::string& path) = 0;
};

}  // namespace tillid::platform
