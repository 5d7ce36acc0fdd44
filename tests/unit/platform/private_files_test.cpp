// The contract of platform/private_files.h, run against the operating system's implementation
// on real files in a temporary directory: who may read what each capability writes, whole
// replacement, and the refusal of a directory shared by design. tests/support/file_access.h
// reads the permissions as the operating system records them.

#include "platform/private_files.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/file_access.h"
#include "tests/support/temp_dir.h"

namespace tillid::platform {
namespace {

namespace fs = std::filesystem;
using test::accessOf;
using test::kOwnerOnly;
using test::kReadableByAll;
using test::TempDir;

TEST_CASE("a private file is its owner's alone and replaced whole", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("secret.key");
  REQUIRE(writePrivateFile(path, "first"));
  REQUIRE(writePrivateFile(path, "second"));
  CHECK(test::readFile(path) == "second");
  CHECK(accessOf(path) == kOwnerOnly);
  CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a shared file is readable by every local user, writable by its owner", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("enrollment.json");
  REQUIRE(writeSharedFile(path, "{}\n"));
  REQUIRE(writeSharedFile(path, "{\"a\":1}\n"));
  CHECK(test::readFile(path) == "{\"a\":1}\n");
  CHECK(accessOf(path) == kReadableByAll);
  CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a leftover temporary file does not lend its permissions", "[platform]") {
  TempDir dir;
  const std::string path = dir.file("secret.key");
  test::writeFile(path + ".tmp", "half");
  test::openToEveryone(path + ".tmp");
  REQUIRE(writePrivateFile(path, "whole"));
  CHECK(test::readFile(path) == "whole");
  CHECK(accessOf(path) == kOwnerOnly);
}

TEST_CASE("restrictToOwner reports a missing file as kNotFound", "[platform]") {
  TempDir dir;
  CHECK(restrictToOwner(dir.file("store.db-wal")).code() == ErrorCode::kNotFound);
}

TEST_CASE("restrictToOwner closes an existing file", "[platform]") {
  test::skipUnlessPermissionChangesRecorded("restricting an existing file");
  TempDir dir;
  const std::string path = dir.file("store.db");
  test::writeFile(path, "rows");
  test::openToEveryone(path);
  REQUIRE(restrictToOwner(path));
  CHECK(accessOf(path) == kOwnerOnly);
  CHECK(test::readFile(path) == "rows");
}

TEST_CASE("a missing private directory is created with its parents, closed to others",
          "[platform]") {
  TempDir dir;
  const std::string fresh = dir.file("state/nested");
  REQUIRE(preparePrivateDirectory(fresh));
  CHECK(fs::is_directory(fresh));
  CHECK(accessOf(fresh) == kOwnerOnly);
}

TEST_CASE("an existing directory open to everybody is closed to others", "[platform]") {
  test::skipUnlessPermissionChangesRecorded("closing an existing directory");
  TempDir dir;
  const std::string open = dir.file("open");
  fs::create_directory(open);
  test::openToEveryone(open);
  REQUIRE(preparePrivateDirectory(open));
  CHECK(accessOf(open) == kOwnerOnly);
  REQUIRE(preparePrivateDirectory(open));
  CHECK(accessOf(open) == kOwnerOnly);
}

TEST_CASE("a directory shared by design is refused and left as it is", "[platform]") {
  test::skipUnlessPermissionChangesRecorded("recognising a shared directory");
  TempDir dir;
  const std::string shared = dir.file("shared");
  fs::create_directory(shared);
  test::makeSharedDirectory(shared);
  const test::FileAccess before = accessOf(shared);
  const Status refused = preparePrivateDirectory(shared);
  CHECK(refused.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.message(), Catch::Contains("is a shared directory"));
  CHECK(accessOf(shared) == before);
  CHECK(before.othersWrite);
}

}  // namespace
}  // namespace tillid::platform
