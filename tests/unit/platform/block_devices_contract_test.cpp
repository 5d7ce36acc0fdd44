// The BlockDevices contract, run against every implementation: the Linux one on image
// files in a temporary directory, and the fake (tests/support/fakes/).

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_block_devices.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

// One implementation with a way to create media and to change a byte behind its back.
class Media {
 public:
  virtual ~Media() = default;
  virtual platform::BlockDevices& devices() = 0;
  virtual void create(const std::string& path, uint64_t size) = 0;
  virtual void flip(const std::string& path, uint64_t offset) = 0;
};

class ImageFiles final : public Media {
 public:
  platform::BlockDevices& devices() override { return *platform_.blockDevices; }
  void create(const std::string& path, uint64_t size) override {
    std::ofstream out(path, std::ios::binary);
    const std::string block(4096, '\x5a');
    for (uint64_t done = 0; done < size; done += block.size()) out << block;
  }
  void flip(const std::string& path, uint64_t offset) override {
    std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
    io.seekg(static_cast<std::streamoff>(offset));
    const char byte = static_cast<char>(io.get());
    io.seekp(static_cast<std::streamoff>(offset));
    io.put(static_cast<char>(~byte));
  }

 private:
  platform::Platform platform_ = platform::makePlatform("/");
};

class FakeMedia final : public Media {
 public:
  platform::BlockDevices& devices() override { return fake_; }
  void create(const std::string& path, uint64_t size) override {
    fake_.media[path] = std::vector<uint8_t>(size, 0x5a);
  }
  void flip(const std::string& path, uint64_t offset) override {
    auto& byte = fake_.media[path][offset];
    byte = static_cast<uint8_t>(~byte);
  }

 private:
  FakeBlockDevices fake_;
};

std::unique_ptr<Media> mediaNamed(const std::string& name) {
  if (name == "linux") return std::make_unique<ImageFiles>();
  return std::make_unique<FakeMedia>();
}

constexpr uint64_t kSize = 1 << 20;

platform::OverwriteSpec spec(const std::string& path, platform::OverwritePattern pattern) {
  platform::OverwriteSpec s;
  s.path = path;
  s.pattern = pattern;
  s.key.fill(0x42);
  s.bufferBytes = 64 << 10;
  return s;
}

platform::TargetList targets(const std::vector<std::string>& paths) {
  auto list = platform::TargetList::create(paths);
  REQUIRE(list.isOk());
  return *list;
}

TEST_CASE("block devices contract: an overwrite reads back as its pattern to the last byte",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  const auto pattern =
      GENERATE(platform::OverwritePattern::kZeros, platform::OverwritePattern::kRandom);
  INFO(name << " " << platform::overwritePatternName(pattern));
  TempDir dir;
  auto media = mediaNamed(name);
  const std::string image = dir.file("disk.img");
  media->create(image, kSize);
  auto info = media->devices().describe(image);
  REQUIRE(info.isOk());
  CHECK(info->sizeBytes == kSize);
  CHECK(!info->blockDevice);
  uint64_t last = 0;
  auto written = media->devices().overwrite(spec(image, pattern), targets({image}), 0,
                                            [&](uint64_t done, uint64_t total) {
                                              CHECK(done >= last);
                                              CHECK(total == kSize);
                                              last = done;
                                            });
  REQUIRE(written.isOk());
  CHECK(written->bytesWritten == kSize);
  CHECK(last == kSize);
  auto verified = media->devices().verify(spec(image, pattern), targets({image}),
                                          platform::VerificationMode::kFull, 1, nullptr);
  REQUIRE(verified.isOk());
  CHECK(verified->passed);
  CHECK(verified->bytesRead == kSize);
  // One byte changed afterwards: the full read-back finds it.
  media->flip(image, kSize - 1);
  auto checked = media->devices().verify(spec(image, pattern), targets({image}),
                                         platform::VerificationMode::kFull, 1, nullptr);
  REQUIRE(checked.isOk());
  CHECK(!checked->passed);
  CHECK(!checked->detail.empty());
}

TEST_CASE("block devices contract: an overwrite resumes from a checkpoint",
          "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  auto media = mediaNamed(name);
  const std::string image = dir.file("disk.img");
  media->create(image, kSize);
  const auto s = spec(image, platform::OverwritePattern::kRandom);
  auto written = media->devices().overwrite(s, targets({image}), kSize / 2, nullptr);
  REQUIRE(written.isOk());
  CHECK(written->bytesWritten == kSize / 2);
  // The first half was not written: a full read-back fails until it is.
  auto partial =
      media->devices().verify(s, targets({image}), platform::VerificationMode::kFull, 1, nullptr);
  REQUIRE(partial.isOk());
  CHECK(!partial->passed);
  REQUIRE(media->devices().overwrite(s, targets({image}), 0, nullptr).isOk());
  auto whole =
      media->devices().verify(s, targets({image}), platform::VerificationMode::kFull, 1, nullptr);
  REQUIRE(whole.isOk());
  CHECK(whole->passed);
}

TEST_CASE("block devices contract: media not listed exactly are refused", "[platform][offboard]") {
  const std::string name = GENERATE("linux", "fake");
  INFO(name);
  TempDir dir;
  auto media = mediaNamed(name);
  const std::string image = dir.file("disk.img");
  media->create(image, kSize);
  const auto s = spec(image, platform::OverwritePattern::kZeros);
  CHECK(
      media->devices().overwrite(s, targets({dir.file("other.img")}), 0, nullptr).status().code() ==
      ErrorCode::kPermission);
  CHECK(media->devices()
            .verify(s, targets({dir.path()}), platform::VerificationMode::kFull, 1, nullptr)
            .status()
            .code() == ErrorCode::kPermission);
}

}  // namespace
}  // namespace tillid::test
