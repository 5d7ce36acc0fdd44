// The VolumeCryptoEraser contract, run against every implementation: LUKS on Linux, on
// containers cryptsetup formats in image files (root only: skipped otherwise), and the
// fake (tests/support/fakes/).

#include <catch2/catch.hpp>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_volume_crypto_eraser.h"
#include "tests/support/luks_image.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

// One implementation with a way to make an encrypted volume with two keyslots.
class Volumes {
 public:
  virtual ~Volumes() = default;
  virtual platform::VolumeCryptoEraser& eraser() = 0;
  virtual void create(const TempDir& dir, const std::string& path) = 0;
};

class LuksVolumes final : public Volumes {
 public:
  platform::VolumeCryptoEraser& eraser() override { return *platform_.volumeCryptoEraser; }
  void create(const TempDir& dir, const std::string& path) override {
    makeLuksImage(dir, path, 32 << 20);
  }

 private:
  platform::Platform platform_ = platform::makePlatform("/");
};

class FakeVolumes final : public Volumes {
 public:
  platform::VolumeCryptoEraser& eraser() override { return fake_; }
  void create(const TempDir&, const std::string& path) override { fake_.add(path); }

 private:
  FakeVolumeCryptoEraser fake_;
};

platform::TargetList targets(const std::vector<std::string>& paths) {
  auto list = platform::TargetList::create(paths);
  REQUIRE(list.isOk());
  return *list;
}

void checkContract(Volumes& volumes) {
  TempDir dir;
  const std::string volume = dir.file("luks.img");
  volumes.create(dir, volume);
  auto info = volumes.eraser().inspect(volume);
  REQUIRE(info.isOk());
  CHECK(info->type == "LUKS2");
  CHECK(info->activeKeyslots == 2);
  CHECK(info->headerBytes > 0);
  platform::OverwriteSpec spec;
  spec.path = volume;
  spec.pattern = platform::OverwritePattern::kRandom;
  spec.key.fill(9);
  // Unlisted: refused, nothing destroyed.
  CHECK(volumes.eraser()
            .cryptoErase(spec, info->headerBytes, targets({dir.file("other.img")}))
            .status()
            .code() == ErrorCode::kPermission);
  CHECK(volumes.eraser().inspect(volume)->activeKeyslots == 2);
  const auto list = targets({volume});
  auto before = volumes.eraser().verifyErased(spec, info->headerBytes, list);
  REQUIRE(before.isOk());
  CHECK(!before->passed);
  auto erased = volumes.eraser().cryptoErase(spec, info->headerBytes, list);
  REQUIRE(erased.isOk());
  CHECK(erased->keyslotsDestroyed == 2);
  CHECK(erased->headerBytesOverwritten == info->headerBytes);
  CHECK(erased->changedBlocks == erased->sampledBlocks);
  CHECK(volumes.eraser().inspect(volume).status().code() == ErrorCode::kNotFound);
  auto verified = volumes.eraser().verifyErased(spec, info->headerBytes, list);
  REQUIRE(verified.isOk());
  CHECK(verified->passed);
  // Resumed after the header is gone: nothing left to destroy, still verified.
  auto again = volumes.eraser().cryptoErase(spec, info->headerBytes, list);
  REQUIRE(again.isOk());
  CHECK(again->keyslotsDestroyed == 0);
  CHECK(volumes.eraser().verifyErased(spec, info->headerBytes, list)->passed);
}

TEST_CASE("volume crypto-erase contract: LUKS on Linux", "[platform][offboard][root]") {
  skipUnlessRoot("cryptsetup formats and erases the test's LUKS containers");
  LuksVolumes volumes;
  checkContract(volumes);
}

TEST_CASE("volume crypto-erase contract: the fake", "[platform][offboard]") {
  FakeVolumes volumes;
  checkContract(volumes);
}

}  // namespace
}  // namespace tillid::test
