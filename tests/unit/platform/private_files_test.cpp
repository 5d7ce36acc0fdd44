// The Linux private files (platform/private_files.h) on real files in a temporary
// directory: the modes each capability stands for, and the refusal of a shared directory.

#include "platform/private_files.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace tillid::platform {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

fs::perms modeOf(const std::string& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

TEST_CASE("a private file is its owner's alone and replaced whole", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("secret.key");
  REQUIRE(writePrivateFile(path, "first"));
  REQUIRE(writePrivateFile(path, "second"));
  CHECK(test::readFile(path) == "second");
  CHECK(modeOf(path) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a shared file is readable by every local user, writable by its owner", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("enrollment.json");
  REQUIRE(writeSharedFile(path, "{}\n"));
  CHECK(test::readFile(path) == "{}\n");
  CHECK(modeOf(path) == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                         fs::perms::others_read));
}

TEST_CASE("restrictToOwner closes an existing file, kNotFound for a missing one", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  test::writeFile(path, "rows");
  fs::permissions(path, fs::perms::all, fs::perm_options::replace);
  REQUIRE(restrictToOwner(path));
  CHECK(modeOf(path) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(restrictToOwner(dir.file("store.db-wal")).code() == ErrorCode::kNotFound);
}

TEST_CASE("a private directory is created or closed to others, a shared one refused",
          "[platform]") {
  TempDir dir;
  const std::string fresh = dir.file("state/nested");
  REQUIRE(preparePrivateDirectory(fresh));
  CHECK(modeOf(fresh) == fs::perms::owner_all);

  const std::string open = dir.file("open");
  fs::create_directory(open);
  fs::permissions(open, fs::perms::all, fs::perm_options::replace);
  REQUIRE(preparePrivateDirectory(open));
  CHECK(modeOf(open) == fs::perms::owner_all);

  const std::string shared = dir.file("shared");
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit, fs::perm_options::replace);
  const Status refused = preparePrivateDirectory(shared);
  CHECK(refused.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.message(), Catch::Contains("is a shared directory"));
  CHECK(modeOf(shared) == (fs::perms::all | fs::perms::sticky_bit));
}

}  // namespace
}  // namespace tillid::platform
