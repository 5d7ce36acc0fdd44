#include "tests/support/fakes/fake_file_eraser.h"

namespace tillid::test {
namespace {

bool isAtOrBelow(const std::string& path, const std::string& base) {
  return path == base || (path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
                          path[base.size()] == '/');
}

}  // namespace

Result<platform::FileEraseReport> FakeFileEraser::eraseTree(const std::string& path,
                                                            const platform::TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permits(path));
  platform::FileEraseReport report;
  for (auto it = files.begin(); it != files.end();) {
    if (!isAtOrBelow(it->first, path)) {
      ++it;
      continue;
    }
    if (failAfterFiles && static_cast<int>(report.files) == *failAfterFiles) return failure;
    ++report.files;
    report.bytesOverwritten += it->second.size();
    it = leftBehind.count(it->first) != 0 ? std::next(it) : files.erase(it);
  }
  return report;
}

Status FakeFileEraser::verifyErased(const std::string& path) {
  if (exists(path)) {
    return Status::error(ErrorCode::kCorrupt, path + " still exists after its erase");
  }
  return Status::ok();
}

bool FakeFileEraser::exists(const std::string& path) const {
  for (const auto& [name, content] : files) {
    if (isAtOrBelow(name, path)) return true;
  }
  return false;
}

}  // namespace tillid::test
