#pragma once
// Overwrite of a whole block device or image file with a pattern (zeros, or an AES-256-CTR
// keystream that verification can regenerate at any offset), with direct I/O through large
// aligned buffers, and read-back verification of the result: every byte, or NIST SP 800-88
// Rev.1 sampling (at least 1,000 subsections, two non-overlapping pseudorandom samples of
// at least 5% each, plus the first and last blocks). Thread-safe: no shared state.

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "platform/target_list.h"

namespace tillid::platform {

enum class OverwritePattern { kZeros, kRandom };
enum class VerificationMode { kFull, kSample };

const char* overwritePatternName(OverwritePattern pattern);  // "zeros" | "random"
const char* verificationModeName(VerificationMode mode);     // "full" | "sample"

struct MediumInfo {
  std::string path;
  uint64_t sizeBytes = 0;
  bool blockDevice = false;  // false: a regular (image) file
  std::string model;         // from sysfs for block devices, "" when unknown
  std::string serial;
};

// Size and identity of a device or image file. Refuses anything else (directories ...).
Result<MediumInfo> describeMedium(const std::string& path);

struct OverwriteSpec {
  std::string path;
  OverwritePattern pattern = OverwritePattern::kZeros;
  std::array<uint8_t, 32> key{};  // the random pattern's AES key; recorded in the plan
  size_t bufferBytes = 8 << 20;   // a multiple of 4096
};

// The pattern's bytes at `offset` (REQUIRES: a multiple of 16), for erasers that write
// part of a medium (a LUKS header area).
Status fillPattern(const OverwriteSpec& spec, uint64_t offset, uint8_t* out, size_t length);

// Progress, always on the calling thread. The overwrite calls it only with durable
// checkpoints (after fdatasync): after the first buffer, then at most every 0.5 s, and at
// the end; `done` is a multiple of the buffer size (or the total), and a restart may
// resume from it. Verification calls it after each buffer compared.
using ProgressCallback = std::function<void(uint64_t done, uint64_t total)>;

struct OverwriteReport {
  uint64_t bytesWritten = 0;  // by this call (from startOffset to the end)
  bool directIo = false;      // O_DIRECT was used (a file system may refuse it)
};

// Writes the pattern from `startOffset` (0, or a checkpoint from the progress callback)
// to the end of the medium and syncs it: one synchronous direct write of a buffer at a
// time (as dd), the random pattern generated ahead on a helper thread.
// REQUIRES: targets lists spec.path exactly.
Result<OverwriteReport> overwriteMedium(const OverwriteSpec& spec, const TargetList& targets,
                                        uint64_t startOffset, const ProgressCallback& progress);

struct VerificationReport {
  VerificationMode mode = VerificationMode::kFull;
  uint64_t bytesRead = 0;
  uint64_t subsections = 0;  // sampling: the number of subsections (0 in full mode)
  bool passed = false;
  std::string detail;  // e.g. the first mismatching offset
};

// Reads back and compares with the pattern; `passed` false (not an error) on mismatch.
// Sampling of a medium too small for 1,000 subsections of 20 blocks reads everything.
// `sampleSeed` picks the samples. REQUIRES: targets lists spec.path exactly.
Result<VerificationReport> verifyMedium(const OverwriteSpec& spec, const TargetList& targets,
                                        VerificationMode mode, uint64_t sampleSeed,
                                        const ProgressCallback& progress);

// describeMedium, overwriteMedium and verifyMedium as a service the offboarding engine
// receives (platform.h), so tests can pass a fake medium that reports an error.
class BlockDevices {
 public:
  virtual ~BlockDevices() = default;
  virtual Result<MediumInfo> describe(const std::string& path) = 0;
  virtual Result<OverwriteReport> overwrite(const OverwriteSpec& spec, const TargetList& targets,
                                            uint64_t startOffset,
                                            const ProgressCallback& progress) = 0;
  virtual Result<VerificationReport> verify(const OverwriteSpec& spec, const TargetList& targets,
                                            VerificationMode mode, uint64_t sampleSeed,
                                            const ProgressCallback& progress) = 0;
};

}  // namespace tillid::platform
