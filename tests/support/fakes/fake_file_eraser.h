#pragma once
// platform::FileEraser over a tree in memory: `files` maps each file's absolute path to its
// content (directories are implied by the paths). Refuses what the target list does not
// permit, as the Linux one, before anything is touched. Fault injection: the erase stops
// with `failure` after `failAfterFiles` files (a step that fails half way); paths in
// `leftBehind` survive an erase that reports them erased (a verification then finds them).

#include <map>
#include <optional>
#include <set>
#include <string>

#include "platform/file_eraser.h"

namespace tillid::test {

class FakeFileEraser final : public platform::FileEraser {
 public:
  Result<platform::FileEraseReport> eraseTree(const std::string& path,
                                              const platform::TargetList& targets) override;
  Status verifyErased(const std::string& path) override;

  // Whether anything is at or below `path`.
  bool exists(const std::string& path) const;

  std::map<std::string, std::string> files;
  std::optional<int> failAfterFiles;
  Status failure = Status::error(ErrorCode::kIo, "the device reported an I/O error");
  std::set<std::string> leftBehind;
};

}  // namespace tillid::test
