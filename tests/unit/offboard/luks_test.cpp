// The Linux crypto-erase (LUKS, platform/volume_crypto_eraser.h) on LUKS2 containers the
// test formats in image files, and block overwrite of a loop device the test attaches
// itself (and always detaches).

#include <catch2/catch.hpp>
#include <fstream>

#include "platform/block_overwriter.h"
#include "platform/volume_crypto_eraser.h"
#include "tests/support/child_process.h"
#include "tests/support/luks_image.h"
#include "tests/support/temp_dir.h"

namespace tillid::platform {
namespace {

using test::kCryptsetup;
using test::runProgram;
using test::TempDir;

constexpr const char* kLosetup = "/usr/sbin/losetup";

TargetList targets(const std::vector<std::string>& paths) {
  auto list = TargetList::create(paths);
  REQUIRE(list.isOk());
  return *list;
}

TEST_CASE("LUKS crypto-erase destroys every keyslot and the header, verified", "[root]") {
  TempDir dir;
  const std::string image = dir.file("luks.img");
  test::makeLuksImage(dir, image, 32 << 20);
  const auto eraser = makeVolumeCryptoEraser();
  auto info = eraser->inspect(image);
  REQUIRE(info.isOk());
  CHECK(info->type == "LUKS2");
  CHECK(info->activeKeyslots == 2);
  CHECK(info->headerBytes == 16u << 20);

  OverwriteSpec spec;
  spec.path = image;
  spec.pattern = OverwritePattern::kRandom;
  spec.key.fill(9);
  const auto list = targets({image});
  auto before = eraser->verifyErased(spec, info->headerBytes, list);
  REQUIRE(before.isOk());
  CHECK(!before->passed);

  auto erased = eraser->cryptoErase(spec, info->headerBytes, list);
  REQUIRE(erased.isOk());
  CHECK(erased->keyslotsDestroyed == 2);
  CHECK(erased->headerBytesOverwritten == info->headerBytes);
  CHECK(erased->sampledBlocks == 64);
  CHECK(erased->changedBlocks == 64);
  auto verified = eraser->verifyErased(spec, info->headerBytes, list);
  REQUIRE(verified.isOk());
  CHECK(verified->passed);
  CHECK(eraser->inspect(image).status().code() == ErrorCode::kNotFound);
  // cryptsetup itself no longer sees a LUKS volume, and neither key opens anything.
  CHECK(runProgram(kCryptsetup, {"isLuks", image}).exitCode != 0);
  CHECK(runProgram(kCryptsetup, {"luksDump", image}).exitCode != 0);

  // A resumed erase (the header no longer loads) still covers the header area.
  auto again = eraser->cryptoErase(spec, info->headerBytes, list);
  REQUIRE(again.isOk());
  CHECK(again->keyslotsDestroyed == 0);
  CHECK(eraser->verifyErased(spec, info->headerBytes, list)->passed);
}

TEST_CASE("LUKS crypto-erase refuses an unlisted volume", "[root]") {
  TempDir dir;
  const std::string image = dir.file("luks.img");
  test::makeLuksImage(dir, image, 32 << 20);
  const auto eraser = makeVolumeCryptoEraser();
  OverwriteSpec spec;
  spec.path = image;
  auto refused = eraser->cryptoErase(spec, 16 << 20, targets({dir.file("other.img")}));
  CHECK(refused.status().code() == ErrorCode::kPermission);
  CHECK(eraser->inspect(image)->activeKeyslots == 2);
}

// A loop device attached for the test's lifetime and detached in every case.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& image) {
    auto attach = runProgram(kLosetup, {"--find", "--show", image});
    if (attach.exitCode == 0) path_ = attach.out.substr(0, attach.out.find('\n'));
  }
  ~LoopDevice() {
    if (!path_.empty()) runProgram(kLosetup, {"--detach", path_});
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_CASE("block overwrite of a loop device with direct I/O, verified", "[root]") {
  TempDir dir;
  const std::string image = dir.file("disk.img");
  {
    std::ofstream out(image, std::ios::binary);
    const std::string chunk(1 << 20, 'd');
    for (int i = 0; i < 24; ++i)
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  LoopDevice loop(image);
  REQUIRE(!loop.path().empty());
  auto medium = describeMedium(loop.path());
  REQUIRE(medium.isOk());
  CHECK(medium->blockDevice);
  CHECK(medium->sizeBytes == 24u << 20);
  OverwriteSpec spec;
  spec.path = loop.path();
  spec.pattern = OverwritePattern::kRandom;
  spec.key.fill(5);
  spec.bufferBytes = 4 << 20;
  CHECK(overwriteMedium(spec, targets({image}), 0, nullptr).status().code() ==
        ErrorCode::kPermission);
  auto written = overwriteMedium(spec, targets({loop.path()}), 0, nullptr);
  REQUIRE(written.isOk());
  CHECK(written->directIo);
  auto verified = verifyMedium(spec, targets({loop.path()}), VerificationMode::kFull, 2, nullptr);
  REQUIRE(verified.isOk());
  CHECK(verified->passed);
  // The image behind the device holds the pattern too.
  OverwriteSpec onImage = spec;
  onImage.path = image;
  CHECK(verifyMedium(onImage, targets({image}), VerificationMode::kFull, 2, nullptr)->passed);
}

}  // namespace
}  // namespace tillid::platform
