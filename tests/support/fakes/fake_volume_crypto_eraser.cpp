#include "tests/support/fakes/fake_volume_crypto_eraser.h"

namespace tillid::test {
namespace {

constexpr uint64_t kSampledBlocks = 16;

}  // namespace

Result<platform::EncryptedVolumeInfo> FakeVolumeCryptoEraser::inspect(const std::string& path) {
  auto it = volumes.find(path);
  if (it == volumes.end() || !it->second.header) {
    return Status::error(ErrorCode::kNotFound, path + " holds no LUKS header");
  }
  platform::EncryptedVolumeInfo info;
  info.path = path;
  info.uuid = "00000000-0000-4000-8000-000000000000";
  info.type = "LUKS2";
  info.activeKeyslots = it->second.keyslots;
  info.headerBytes = it->second.headerBytes;
  return info;
}

Result<platform::CryptoEraseReport> FakeVolumeCryptoEraser::cryptoErase(
    const platform::OverwriteSpec& spec, uint64_t headerBytes,
    const platform::TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  auto it = volumes.find(spec.path);
  if (it == volumes.end()) return Status::error(ErrorCode::kNotFound, "no volume " + spec.path);
  FakeVolume& volume = it->second;
  platform::CryptoEraseReport report;
  report.keyslotsDestroyed = volume.keyslots;
  volume.keyslots = 0;
  if (failAfterKeyslots) {
    failAfterKeyslots = false;
    return Status::error(ErrorCode::kIo, "the device reported an I/O error in the header area");
  }
  if (headerSurvives.count(spec.path) == 0) volume.header = false;
  report.headerBytesOverwritten = headerBytes;
  if (report.keyslotsDestroyed > 0) {
    report.sampledBlocks = kSampledBlocks;
    report.changedBlocks = kSampledBlocks;
  }
  return report;
}

Result<platform::VerificationReport> FakeVolumeCryptoEraser::verifyErased(
    const platform::OverwriteSpec& spec, uint64_t headerBytes,
    const platform::TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  auto it = volumes.find(spec.path);
  if (it == volumes.end()) return Status::error(ErrorCode::kNotFound, "no volume " + spec.path);
  platform::VerificationReport report;
  report.bytesRead = headerBytes;
  report.passed = !it->second.header && headerBytes >= it->second.headerBytes;
  if (it->second.header) {
    report.detail = "a LUKS header still loads";
  } else if (!report.passed) {
    report.detail = "the header area was not overwritten to its end";
  } else {
    report.detail = "header gone";
  }
  return report;
}

}  // namespace tillid::test
