// File access on Linux: the mode's owner bits, and its group and other bits as "others".

#include "tests/support/file_access.h"

#include <filesystem>

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

bool any(fs::perms mode, fs::perms bits) {
  return (mode & bits) != fs::perms::none;
}

}  // namespace

FileAccess accessOf(const std::string& path) {
  const fs::perms mode = fs::status(path).permissions();
  return FileAccess{
      .ownerReads = any(mode, fs::perms::owner_read),
      .ownerWrites = any(mode, fs::perms::owner_write),
      .othersRead = any(mode, fs::perms::group_read | fs::perms::others_read),
      .othersWrite = any(mode, fs::perms::group_write | fs::perms::others_write),
  };
}

void openToEveryone(const std::string& path) {
  fs::permissions(path, fs::perms::all, fs::perm_options::replace);
}

void makeSharedDirectory(const std::string& path) {
  fs::permissions(path, fs::perms::all | fs::perms::sticky_bit, fs::perm_options::replace);
}

void skipUnlessPermissionChangesRecorded(const std::string&) {}

}  // namespace tillid::test
