#include "tests/support/fakes/fake_block_devices.h"

#include <algorithm>

namespace tillid::test {

Result<platform::MediumInfo> FakeBlockDevices::describe(const std::string& path) {
  auto it = media.find(path);
  if (it == media.end()) return Status::error(ErrorCode::kNotFound, "no medium " + path);
  platform::MediumInfo info;
  info.path = path;
  info.sizeBytes = it->second.size();
  return info;
}

Result<platform::OverwriteReport> FakeBlockDevices::overwrite(
    const platform::OverwriteSpec& spec, const platform::TargetList& targets, uint64_t startOffset,
    const platform::ProgressCallback& progress) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  auto it = media.find(spec.path);
  if (it == media.end()) return Status::error(ErrorCode::kNotFound, "no medium " + spec.path);
  ++overwriteCalls;
  auto& bytes = it->second;
  const uint64_t size = bytes.size();
  std::vector<uint8_t> pattern(spec.bufferBytes);
  for (uint64_t offset = startOffset; offset < size; offset += spec.bufferBytes) {
    const size_t length = static_cast<size_t>(std::min<uint64_t>(spec.bufferBytes, size - offset));
    if (failAtOffset && *failAtOffset >= offset && *failAtOffset < offset + length) {
      return Status::error(ErrorCode::kIo, "the device reported an I/O error at offset " +
                                               std::to_string(*failAtOffset));
    }
    TILLID_RETURN_IF_ERROR(platform::fillPattern(spec, offset, pattern.data(), length));
    for (size_t i = 0; i < length; ++i) {
      if (stuckBytes.count(offset + i) == 0) bytes[offset + i] = pattern[i];
    }
    if (progress) progress(offset + length, size);
  }
  platform::OverwriteReport report;
  report.bytesWritten = size - std::min(startOffset, size);
  return report;
}

Result<platform::VerificationReport> FakeBlockDevices::verify(
    const platform::OverwriteSpec& spec, const platform::TargetList& targets,
    platform::VerificationMode mode, uint64_t, const platform::ProgressCallback& progress) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  auto it = media.find(spec.path);
  if (it == media.end()) return Status::error(ErrorCode::kNotFound, "no medium " + spec.path);
  const auto& bytes = it->second;
  platform::VerificationReport report;
  report.mode = mode;
  report.passed = true;
  std::vector<uint8_t> pattern(spec.bufferBytes);
  for (uint64_t offset = 0; offset < bytes.size(); offset += spec.bufferBytes) {
    const size_t length =
        static_cast<size_t>(std::min<uint64_t>(spec.bufferBytes, bytes.size() - offset));
    TILLID_RETURN_IF_ERROR(platform::fillPattern(spec, offset, pattern.data(), length));
    for (size_t i = 0; i < length && report.passed; ++i) {
      if (bytes[offset + i] != pattern[i]) {
        report.passed = false;
        report.detail = "mismatch at offset " + std::to_string(offset + i);
      }
    }
    report.bytesRead += length;
    if (progress) progress(offset + length, bytes.size());
  }
  return report;
}

}  // namespace tillid::test
