#include "platform/block_overwriter.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <vector>

#include "platform/linux/posix_error.h"

namespace tillid::platform {
namespace {

constexpr size_t kAlignment = 4096;
constexpr uint64_t kMinSubsections = 1000;
constexpr uint64_t kBlocksPerSubsection = 20;  // two of twenty: two samples of 5% each

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

AlignedBuffer alignedBuffer(size_t bytes) {
  void* p = nullptr;
  if (::posix_memalign(&p, kAlignment, bytes) != 0) return nullptr;
  return AlignedBuffer(static_cast<uint8_t*>(p));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// The pattern's bytes at any offset: zeros, or AES-256-CTR with the counter block set to
// offset/16, so any aligned range can be regenerated independently (resume, sampling).
class PatternSource {
 public:
  explicit PatternSource(const OverwriteSpec& spec) : spec_(spec) {
    if (spec.pattern == OverwritePattern::kRandom) ctx_.reset(EVP_CIPHER_CTX_new());
  }

  // REQUIRES: offset % 16 == 0.
  Status fill(uint64_t offset, uint8_t* out, size_t length) {
    if (spec_.pattern == OverwritePattern::kZeros) {
      std::memset(out, 0, length);
      return Status::ok();
    }
    std::array<uint8_t, 16> iv{};
    uint64_t counter = offset / 16;
    for (int i = 15; i >= 8; --i) {
      iv[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
      counter >>= 8;
    }
    // Encrypting zeros yields the keystream itself.
    std::memset(out, 0, length);
    int produced = 0;
    if (!ctx_ ||
        EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_ctr(), nullptr, spec_.key.data(), iv.data()) !=
            1 ||
        EVP_EncryptUpdate(ctx_.get(), out, &produced, out, static_cast<int>(length)) != 1) {
      return Status::error(ErrorCode::kInternal, "AES-CTR keystream failed");
    }
    return Status::ok();
  }

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  const OverwriteSpec& spec_;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
};

std::string readSysfs(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  std::getline(in, value);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

Result<uint64_t> mediumSize(int fd, const struct stat& st, const std::string& path) {
  if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  uint64_t size = 0;
  if (::ioctl(fd, BLKGETSIZE64, &size) != 0) return posixError("sizing " + path, errno);
  return size;
}

// Opens the medium for I/O, with O_DIRECT when the file system allows it.
Result<int> openMedium(const std::string& path, int access, bool& direct) {
  int fd = ::open(path.c_str(), access | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
  direct = fd >= 0;
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), access | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return posixError("opening " + path, errno);
  return fd;
}

Status fullWrite(int fd, const uint8_t* data, size_t length, uint64_t offset,
                 const std::string& path) {
  for (size_t done = 0; done < length;) {
    const ssize_t n = ::pwrite(fd, data + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return posixError("writing " + path, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status fullRead(int fd, uint8_t* data, size_t length, uint64_t offset, const std::string& path) {
  for (size_t done = 0; done < length;) {
    const ssize_t n = ::pread(fd, data + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return posixError("reading " + path, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

// I/O that is not a multiple of the alignment (a medium's odd tail) goes through a
// second, buffered descriptor, since O_DIRECT refuses it.
struct MediumFds {
  Fd aligned;
  Fd tail;
  bool direct = false;
  uint64_t size = 0;

  int forRange(uint64_t offset, size_t length) const {
    return (offset % kAlignment == 0 && length % kAlignment == 0) ? aligned.get() : tail.get();
  }
};

Status openFds(const std::string& path, int access, MediumFds& fds) {
  auto fd = openMedium(path, access, fds.direct);
  if (!fd) return fd.status();
  fds.aligned.reset(*fd);
  struct stat st {};
  if (::fstat(*fd, &st) != 0) return posixError("examining " + path, errno);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Status::error(ErrorCode::kInvalidArgument, path + " is not a block device or file");
  }
  auto size = mediumSize(*fd, st, path);
  if (!size) return size.status();
  fds.size = *size;
  const int tail = ::open(path.c_str(), access | O_CLOEXEC | O_NOFOLLOW);
  if (tail < 0) return posixError("opening " + path, errno);
  fds.tail.reset(tail);
  return Status::ok();
}

Status checkSpec(const OverwriteSpec& spec) {
  if (spec.bufferBytes == 0 || spec.bufferBytes % kAlignment != 0) {
    return Status::error(ErrorCode::kInvalidArgument, "buffer size must be a multiple of 4096");
  }
  return Status::ok();
}

// Compares `length` bytes at `offset` with the pattern; sets `mismatch` at the first bad one.
Status compareRange(const MediumFds& fds, PatternSource& pattern, uint8_t* read, uint8_t* expected,
                    uint64_t offset, size_t length, const std::string& path,
                    std::string& mismatch) {
  TILLID_RETURN_IF_ERROR(fullRead(fds.forRange(offset, length), read, length, offset, path));
  TILLID_RETURN_IF_ERROR(pattern.fill(offset, expected, length));
  if (std::memcmp(read, expected, length) != 0) {
    size_t i = 0;
    while (read[i] == expected[i]) ++i;
    mismatch = "byte at offset " + std::to_string(offset + i) + " differs from the pattern";
  }
  return Status::ok();
}

}  // namespace

const char* overwritePatternName(OverwritePattern pattern) {
  return pattern == OverwritePattern::kZeros ? "zeros" : "random";
}

const char* verificationModeName(VerificationMode mode) {
  return mode == VerificationMode::kFull ? "full" : "sample";
}

Status fillPattern(const OverwriteSpec& spec, uint64_t offset, uint8_t* out, size_t length) {
  PatternSource pattern(spec);
  return pattern.fill(offset, out, length);
}

Result<MediumInfo> describeMedium(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return posixError("examining " + path, errno);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Status::error(ErrorCode::kInvalidArgument, path + " is not a block device or file");
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return posixError("opening " + path, errno);
  MediumInfo info;
  info.path = path;
  info.blockDevice = S_ISBLK(st.st_mode);
  auto size = mediumSize(fd.get(), st, path);
  if (!size) return size.status();
  info.sizeBytes = *size;
  if (info.blockDevice) {
    const std::string sys = "/sys/dev/block/" + std::to_string(major(st.st_rdev)) + ":" +
                            std::to_string(minor(st.st_rdev));
    info.model = readSysfs(sys + "/device/model");
    info.serial = readSysfs(sys + "/device/serial");
    if (info.serial.empty()) info.serial = readSysfs(sys + "/serial");
  }
  return info;
}

Result<OverwriteReport> overwriteMedium(const OverwriteSpec& spec, const TargetList& targets,
                                        uint64_t startOffset, const ProgressCallback& progress) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  TILLID_RETURN_IF_ERROR(checkSpec(spec));
  MediumFds fds;
  TILLID_RETURN_IF_ERROR(openFds(spec.path, O_WRONLY, fds));
  auto buffer = alignedBuffer(spec.bufferBytes);
  if (!buffer) return Status::error(ErrorCode::kInternal, "out of memory for the buffer");
  PatternSource pattern(spec);
  OverwriteReport report;
  report.directIo = fds.direct;
  // Resume at the checkpoint, rounded down to a buffer boundary.
  uint64_t offset = std::min(startOffset - startOffset % spec.bufferBytes, fds.size);
  // Zeros are generated once; the random pattern is regenerated for each buffer.
  if (spec.pattern == OverwritePattern::kZeros) {
    TILLID_RETURN_IF_ERROR(pattern.fill(0, buffer.get(), spec.bufferBytes));
  }
  // The random pattern for the next buffer is generated while this one is written.
  auto spare = alignedBuffer(spec.bufferBytes);
  if (!spare) return Status::error(ErrorCode::kInternal, "out of memory for the buffer");
  uint8_t* current = buffer.get();
  uint8_t* next = spare.get();
  const auto lengthAt = [&](uint64_t at) {
    return static_cast<size_t>(std::min<uint64_t>(spec.bufferBytes, fds.size - at));
  };
  const bool random = spec.pattern == OverwritePattern::kRandom;
  PatternSource nextPattern(spec);  // used only by the generating task
  std::future<Status> generated;
  if (random && offset < fds.size) {
    TILLID_RETURN_IF_ERROR(pattern.fill(offset, current, lengthAt(offset)));
  }
  while (offset < fds.size) {
    const size_t length = lengthAt(offset);
    if (random && offset + length < fds.size) {
      generated = std::async(std::launch::async, [&, at = offset + length] {
        return nextPattern.fill(at, next, lengthAt(at));
      });
    }
    const size_t alignedLength = length - length % kAlignment;
    Status written = Status::ok();
    if (alignedLength > 0) {
      written =
          fullWrite(fds.forRange(offset, alignedLength), current, alignedLength, offset, spec.path);
    }
    if (written && alignedLength < length) {
      written = fullWrite(fds.tail.get(), current + alignedLength, length - alignedLength,
                          offset + alignedLength, spec.path);
    }
    if (generated.valid()) {
      const Status filled = generated.get();
      TILLID_RETURN_IF_ERROR(written);
      TILLID_RETURN_IF_ERROR(filled);
      std::swap(current, next);
    }
    TILLID_RETURN_IF_ERROR(written);
    offset += length;
    report.bytesWritten += length;
    if (progress) progress(offset, fds.size);
  }
  if (::fsync(fds.aligned.get()) != 0 || ::fsync(fds.tail.get()) != 0) {
    return posixError("syncing " + spec.path, errno);
  }
  return report;
}

Result<VerificationReport> verifyMedium(const OverwriteSpec& spec, const TargetList& targets,
                                        VerificationMode mode, uint64_t sampleSeed,
                                        const ProgressCallback& progress) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  TILLID_RETURN_IF_ERROR(checkSpec(spec));
  MediumFds fds;
  TILLID_RETURN_IF_ERROR(openFds(spec.path, O_RDONLY, fds));
  auto read = alignedBuffer(spec.bufferBytes);
  auto expected = alignedBuffer(spec.bufferBytes);
  if (!read || !expected) return Status::error(ErrorCode::kInternal, "out of memory");
  PatternSource pattern(spec);
  VerificationReport report;
  report.mode = mode;
  std::string mismatch;

  // Sampling: blocks of `unit` bytes, subsections of 20 blocks; from each subsection one
  // pseudorandom block for sample A and a different one for sample B.
  uint64_t unit = (fds.size / (kMinSubsections * kBlocksPerSubsection)) / kAlignment * kAlignment;
  unit = std::min<uint64_t>(unit, spec.bufferBytes);
  const bool sampling = mode == VerificationMode::kSample && unit >= kAlignment;
  if (!sampling) {
    // Reading the next buffer overlaps comparing this one, so the check keeps pace with
    // the device.
    auto prefetch = alignedBuffer(spec.bufferBytes);
    if (!prefetch) return Status::error(ErrorCode::kInternal, "out of memory");
    uint8_t* current = read.get();
    uint8_t* next = prefetch.get();
    const auto lengthAt = [&](uint64_t offset) {
      return static_cast<size_t>(std::min<uint64_t>(spec.bufferBytes, fds.size - offset));
    };
    const auto readAt = [&](uint64_t offset, uint8_t* into) {
      return fullRead(fds.forRange(offset, lengthAt(offset)), into, lengthAt(offset), offset,
                      spec.path);
    };
    std::future<Status> pending;
    if (fds.size > 0) pending = std::async(std::launch::async, readAt, uint64_t{0}, current);
    for (uint64_t offset = 0; offset < fds.size;) {
      const size_t length = lengthAt(offset);
      TILLID_RETURN_IF_ERROR(pending.get());
      if (offset + length < fds.size) {
        pending = std::async(std::launch::async, readAt, offset + length, next);
      }
      TILLID_RETURN_IF_ERROR(pattern.fill(offset, expected.get(), length));
      if (std::memcmp(current, expected.get(), length) != 0) {
        size_t i = 0;
        while (current[i] == expected.get()[i]) ++i;
        mismatch = "byte at offset " + std::to_string(offset + i) + " differs from the pattern";
        if (pending.valid()) (void)pending.get();
        break;
      }
      std::swap(current, next);
      offset += length;
      report.bytesRead += length;
      if (progress) progress(offset, fds.size);
    }
    report.mode = VerificationMode::kFull;
  } else {
    const uint64_t subsectionBytes = unit * kBlocksPerSubsection;
    report.subsections = fds.size / subsectionBytes;
    std::mt19937_64 random(sampleSeed);
    std::vector<uint64_t> offsets = {0};
    for (uint64_t s = 0; s < report.subsections; ++s) {
      const uint64_t a = random() % kBlocksPerSubsection;
      const uint64_t b = (a + 1 + random() % (kBlocksPerSubsection - 1)) % kBlocksPerSubsection;
      offsets.push_back(s * subsectionBytes + a * unit);
      offsets.push_back(s * subsectionBytes + b * unit);
    }
    // The last block: the final `unit` bytes (odd-sized tails included).
    offsets.push_back((fds.size - unit) / 16 * 16);
    const uint64_t total = offsets.size() * unit;
    for (const uint64_t offset : offsets) {
      if (!mismatch.empty()) break;
      TILLID_RETURN_IF_ERROR(compareRange(fds, pattern, read.get(), expected.get(), offset,
                                          static_cast<size_t>(unit), spec.path, mismatch));
      report.bytesRead += unit;
      if (progress) progress(report.bytesRead, total);
    }
  }
  report.passed = mismatch.empty();
  report.detail = report.passed ? "read-back matches the " +
                                      std::string(overwritePatternName(spec.pattern)) + " pattern"
                                : mismatch;
  return report;
}

}  // namespace tillid::platform
