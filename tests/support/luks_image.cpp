#include "tests/support/luks_image.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/child_process.h"

namespace tillid::test {

void makeLuksImage(const TempDir& dir, const std::string& image, uint64_t bytes) {
  {
    std::ofstream out(image, std::ios::binary);
    out.seekp(static_cast<std::streamoff>(bytes - 1));
    out.put('\0');
  }
  writeFile(dir.file("key1"), "first key");
  writeFile(dir.file("key2"), "second key");
  auto format = runProgram(
      kCryptsetup, {"luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2",
                    "--pbkdf-force-iterations", "1000", "--key-file", dir.file("key1"), image});
  REQUIRE(format.exitCode == 0);
  auto add = runProgram(
      kCryptsetup, {"luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                    "1000", "--key-file", dir.file("key1"), image, dir.file("key2")});
  REQUIRE(add.exitCode == 0);
}

}  // namespace tillid::test
