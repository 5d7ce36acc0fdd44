// The FileEraser contract, run against every implementation: the Linux one on real files
// in a temporary directory, and the fake (tests/support/fakes/) the handler tests use.

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_file_eraser.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

// One implementation with a way to put files where it erases and to see what is left.
class ErasedTree {
 public:
  virtual ~ErasedTree() = default;
  virtual platform::FileEraser& eraser() = 0;
  virtual void write(const std::string& path, const std::string& content) = 0;
  virtual bool exists(const std::string& path) = 0;
};

class LinuxTree final : public ErasedTree {
 public:
  platform::FileEraser& eraser() override { return *platform_.files; }
  void write(const std::string& path, const std::string& content) override {
    fs::create_directories(fs::path(path).parent_path());
    writeFile(path, content);
  }
  bool exists(const std::string& path) override { return fs::exists(fs::symlink_status(path)); }

 private:
  platform::Platform platform_ = platform::makePlatform("/");
};

class FakeTree final : public ErasedTree {
 public:
  platform::FileEraser& eraser() override { return fake_; }
  void write(const std::string& path, const std::string& content) override {
    fake_.files[path] = content;
  }
  bool exists(const std::string& path) override { return fake_.exists(path); }

 private:
  FakeFileEraser fake_;
};

std::unique_ptr<ErasedTree> treeNamed(const std::string& name) {
  if (name == "linux") return std::make_unique<LinuxTree>();
  return std::make_unique<FakeTree>();
}

platform::TargetList targets(const std::vector<std::string>& paths) {
  auto list = platform::TargetList::create(paths);
  REQUIRE(list.isOk());
  return *list;
}

TEST_CASE("file eraser contract: a tree is erased whole, counted and checked absent",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  auto tree = treeNamed(name);
  const std::string home = dir.file("home/anna");
  tree->write(home + "/notes.txt", "12345");
  tree->write(home + "/docs/letter", "abc");
  tree->write(dir.file("home/bob/kept"), "x");
  CHECK(tree->eraser().verifyErased(home).code() == ErrorCode::kCorrupt);
  auto report = tree->eraser().eraseTree(home, targets({home}));
  REQUIRE(report.isOk());
  CHECK(report->files == 2);
  CHECK(report->bytesOverwritten == 8);
  CHECK(!tree->exists(home));
  CHECK(tree->exists(dir.file("home/bob/kept")));
  CHECK(tree->eraser().verifyErased(home).isOk());
}

TEST_CASE("file eraser contract: a missing path is already erased", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  auto tree = treeNamed(name);
  auto report = tree->eraser().eraseTree(dir.file("gone"), targets({dir.file("gone")}));
  REQUIRE(report.isOk());
  CHECK(report->files == 0);
  CHECK(tree->eraser().verifyErased(dir.file("gone")).isOk());
}

TEST_CASE("file eraser contract: a path outside the targets is refused untouched",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  auto tree = treeNamed(name);
  tree->write(dir.file("other/file"), "data");
  auto report = tree->eraser().eraseTree(dir.file("other"), targets({dir.file("home")}));
  CHECK(report.status().code() == ErrorCode::kPermission);
  CHECK(tree->exists(dir.file("other/file")));
}

}  // namespace
}  // namespace tillid::test
