#include "platform/block_overwriter.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "platform/linux/posix_error.h"
#include "platform/linux/posix_io.h"

namespace tillid::platform {
namespace {

constexpr size_t kAlignment = 4096;
constexpr uint64_t kMinSubsections = 1000;
constexpr uint64_t kBlocksPerSubsection = 20;  // two of twenty: two samples of 5% each
// Read-back is checked in pieces small enough to stay in the CPU cache between removing
// the pattern and testing for zeros: one pass over memory instead of three.
constexpr size_t kCompareChunk = 256 << 10;
// A checkpoint flushes the device's write cache (so that it survives a power cut); a few
// milliseconds at most twice a second cost well under 1% of the throughput.
constexpr auto kCheckpointInterval = std::chrono::milliseconds(500);
// Buffers in flight between the I/O loop and its helper: slack for a helper that a busy
// CPU schedules late.
constexpr size_t kBuffersInFlight = 4;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

// Aligned for O_DIRECT, and on huge pages where the kernel has them: pinning the buffer
// for each direct request and comparing it then walk 512 times fewer pages.
AlignedBuffer alignedBuffer(size_t bytes) {
  constexpr size_t kHugePage = 2 << 20;
  void* p = nullptr;
  if (::posix_memalign(&p, kHugePage, bytes) != 0) return nullptr;
  (void)::madvise(p, bytes, MADV_HUGEPAGE);  // a hint; EINVAL without THP support
  return AlignedBuffer(static_cast<uint8_t*>(p));
}

// The pattern as a stream: zeros, or the AES-256-CTR keystream whose counter block at
// `offset` is offset/16, so any range can be regenerated on its own (resume, sampling).
// The pattern is XORed in: applied to zeros it is the pattern, applied to data read back
// it leaves zeros exactly where the medium holds the pattern. Not thread-safe.
class PatternStream final {
 public:
  explicit PatternStream(const OverwriteSpec& spec) : spec_(spec) {
    if (spec.pattern == OverwritePattern::kRandom) ctx_.reset(EVP_CIPHER_CTX_new());
  }

  bool zeros() const { return spec_.pattern == OverwritePattern::kZeros; }

  // Positions the stream at `offset`. REQUIRES: offset % 16 == 0.
  Status seek(uint64_t offset) {
    if (zeros()) return Status::ok();
    std::array<uint8_t, 16> iv{};
    uint64_t counter = offset / 16;
    for (int i = 15; i >= 8; --i) {
      iv[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
      counter >>= 8;
    }
    if (!ctx_ || EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_ctr(), nullptr, spec_.key.data(),
                                    iv.data()) != 1) {
      return Status::error(ErrorCode::kInternal, "AES-CTR keystream failed");
    }
    return Status::ok();
  }

  // XORs the next `length` bytes of the pattern into `data` and advances the stream.
  Status apply(uint8_t* data, size_t length) {
    if (zeros()) return Status::ok();
    constexpr size_t kMaxUpdate = size_t{1} << 30;  // EVP takes an int length
    for (size_t done = 0; done < length;) {
      const size_t piece = std::min(kMaxUpdate, length - done);
      int produced = 0;
      if (EVP_EncryptUpdate(ctx_.get(), data + done, &produced, data + done,
                            static_cast<int>(piece)) != 1) {
        return Status::error(ErrorCode::kInternal, "AES-CTR keystream failed");
      }
      done += piece;
    }
    return Status::ok();
  }

  // The pattern's bytes at `offset`. REQUIRES: offset % 16 == 0.
  Status fill(uint64_t offset, uint8_t* out, size_t length) {
    std::memset(out, 0, length);
    TILLID_RETURN_IF_ERROR(seek(offset));
    return apply(out, length);
  }

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  const OverwriteSpec& spec_;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
};

// Index of the first non-zero byte of data[0, length), or `length` when all are zero.
size_t firstNonZero(const uint8_t* data, size_t length) {
  static const std::vector<uint8_t> kZeros(kCompareChunk);
  for (size_t at = 0; at < length; at += kCompareChunk) {
    const size_t piece = std::min(kCompareChunk, length - at);
    if (std::memcmp(data + at, kZeros.data(), piece) == 0) continue;
    size_t i = at;
    while (data[i] == 0) ++i;
    return i;
  }
  return length;
}

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

// I/O that is not a multiple of the alignment (a medium's odd tail) goes through a
// second, buffered descriptor, since O_DIRECT refuses it.
struct MediumFds {
  UniqueFd aligned;
  UniqueFd tail;
  bool direct = false;
  uint64_t size = 0;
  std::string path;

  int forRange(uint64_t offset, size_t length) const {
    return (offset % kAlignment == 0 && length % kAlignment == 0) ? aligned.get() : tail.get();
  }

  // [offset, offset + length): the aligned part direct, an odd tail buffered.
  Status write(const uint8_t* data, uint64_t offset, size_t length) const {
    const size_t whole = length - length % kAlignment;
    if (whole > 0)
      TILLID_RETURN_IF_ERROR(
          writeFullyAt(forRange(offset, whole), data, whole, offset, "writing " + path));
    if (whole == length) return Status::ok();
    return writeFullyAt(tail.get(), data + whole, length - whole, offset + whole,
                        "writing " + path);
  }
  Status read(uint8_t* data, uint64_t offset, size_t length) const {
    const size_t whole = length - length % kAlignment;
    if (whole > 0)
      TILLID_RETURN_IF_ERROR(
          readFullyAt(forRange(offset, whole), data, whole, offset, "reading " + path));
    if (whole == length) return Status::ok();
    return readFullyAt(tail.get(), data + whole, length - whole, offset + whole, "reading " + path);
  }

  // Data and the device's write cache on stable storage (both descriptors share the
  // inode, so one flush covers the buffered tail too).
  Status sync() const {
    if (::fdatasync(aligned.get()) != 0) return posixError("syncing " + path, errno);
    return Status::ok();
  }
};

Status openFds(const std::string& path, int access, MediumFds& fds) {
  fds.path = path;
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

// Compares `data`, read back from `offset`, with the pattern, consuming it: the pattern is
// XORed out chunk by chunk and what remains must be zeros. Sets `mismatch` at the first
// differing byte.
Status compareWithPattern(PatternStream& pattern, uint8_t* data, uint64_t offset, size_t length,
                          std::string& mismatch) {
  TILLID_RETURN_IF_ERROR(pattern.seek(offset));
  for (size_t at = 0; at < length; at += kCompareChunk) {
    const size_t piece = std::min(kCompareChunk, length - at);
    TILLID_RETURN_IF_ERROR(pattern.apply(data + at, piece));
    const size_t bad = firstNonZero(data + at, piece);
    if (bad < piece) {
      mismatch =
          "byte at offset " + std::to_string(offset + at + bad) + " differs from the pattern";
      return Status::ok();
    }
  }
  return Status::ok();
}

struct Range {
  uint64_t offset = 0;
  size_t length = 0;
};

// [from, size) in buffers.
std::vector<Range> bufferRanges(uint64_t from, uint64_t size, size_t bufferBytes) {
  std::vector<Range> ranges;
  for (uint64_t offset = from; offset < size; offset += bufferBytes) {
    ranges.push_back({offset, static_cast<size_t>(std::min<uint64_t>(bufferBytes, size - offset))});
  }
  return ranges;
}

// A buffer on its way between the I/O loop and the helper.
struct Piece {
  uint8_t* buffer = nullptr;
  Range range;
  Status status;         // of the helper's work
  std::string mismatch;  // verification: the first differing byte, if any
};

// A helper thread doing the CPU work on buffers (generating the pattern, or comparing the
// read-back with it), oldest first, while the caller's thread does the I/O. As long as the
// helper keeps ahead, the I/O loop waits for nothing but the device, as dd's does: no
// thread hand-off sits between one request's completion and the next one's submission
// (on a busy CPU every wake-up costs milliseconds). The destructor waits for the pieces
// still submitted. Thread-safe; one caller submits and takes.
class PieceWorker final {
 public:
  explicit PieceWorker(std::function<void(Piece&)> work)
      : work_(std::move(work)), thread_([this] { run(); }) {}
  ~PieceWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  PieceWorker(const PieceWorker&) = delete;
  PieceWorker& operator=(const PieceWorker&) = delete;

  void submit(Piece piece) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      todo_.push_back(std::move(piece));
    }
    changed_.notify_all();
  }

  // The oldest submitted piece, once worked on. REQUIRES: more submitted than taken.
  Piece take() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !done_.empty(); });
    Piece piece = std::move(done_.front());
    done_.pop_front();
    return piece;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return quit_ || !todo_.empty(); });
      if (todo_.empty()) return;  // quit_, and nothing left to do
      Piece piece = std::move(todo_.front());
      todo_.pop_front();
      lock.unlock();
      work_(piece);
      lock.lock();
      done_.push_back(std::move(piece));
      changed_.notify_all();
    }
  }

  const std::function<void(Piece&)> work_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Piece> todo_;  // GUARDED_BY(mutex_)
  std::deque<Piece> done_;  // GUARDED_BY(mutex_)
  bool quit_ = false;       // GUARDED_BY(mutex_)
  std::thread thread_;      // last: it runs once the fields above exist
};

// What verification reads: the whole medium in buffers, or NIST SP 800-88 sampling
// (blocks of `unit` bytes, subsections of 20 blocks; from each subsection one
// pseudorandom block for sample A and a different one for sample B; the first and the
// last block). `subsections` is 0 for a full read.
std::vector<Range> verificationRanges(const OverwriteSpec& spec, uint64_t size,
                                      VerificationMode mode, uint64_t sampleSeed,
                                      uint64_t& subsections) {
  std::vector<Range> ranges;
  subsections = 0;
  uint64_t unit = (size / (kMinSubsections * kBlocksPerSubsection)) / kAlignment * kAlignment;
  unit = std::min<uint64_t>(unit, spec.bufferBytes);
  if (mode == VerificationMode::kFull || unit < kAlignment) {
    return bufferRanges(0, size, spec.bufferBytes);
  }
  const uint64_t subsectionBytes = unit * kBlocksPerSubsection;
  subsections = size / subsectionBytes;
  std::mt19937_64 random(sampleSeed);
  ranges.push_back({0, static_cast<size_t>(unit)});
  for (uint64_t s = 0; s < subsections; ++s) {
    const uint64_t a = random() % kBlocksPerSubsection;
    const uint64_t b = (a + 1 + random() % (kBlocksPerSubsection - 1)) % kBlocksPerSubsection;
    ranges.push_back({s * subsectionBytes + a * unit, static_cast<size_t>(unit)});
    ranges.push_back({s * subsectionBytes + b * unit, static_cast<size_t>(unit)});
  }
  // The last block: the final `unit` bytes (odd-sized tails included).
  ranges.push_back({(size - unit) / 16 * 16, static_cast<size_t>(unit)});
  return ranges;
}

}  // namespace

const char* overwritePatternName(OverwritePattern pattern) {
  return pattern == OverwritePattern::kZeros ? "zeros" : "random";
}

const char* verificationModeName(VerificationMode mode) {
  return mode == VerificationMode::kFull ? "full" : "sample";
}

Status fillPattern(const OverwriteSpec& spec, uint64_t offset, uint8_t* out, size_t length) {
  PatternStream pattern(spec);
  return pattern.fill(offset, out, length);
}

Result<MediumInfo> describeMedium(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return posixError("examining " + path, errno);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Status::error(ErrorCode::kInvalidArgument, path + " is not a block device or file");
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
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
  PatternStream pattern(spec);
  const bool random = !pattern.zeros();
  // Zeros are one buffer written again and again; the random pattern is generated by the
  // helper into buffers in flight.
  std::vector<AlignedBuffer> buffers(random ? kBuffersInFlight : 1);
  for (auto& buffer : buffers) {
    buffer = alignedBuffer(spec.bufferBytes);
    if (!buffer) return Status::error(ErrorCode::kInternal, "out of memory for buffers");
  }
  if (!random) std::memset(buffers[0].get(), 0, spec.bufferBytes);
  OverwriteReport report;
  report.directIo = fds.direct;
  // Resume at the checkpoint, rounded down to a buffer boundary.
  const std::vector<Range> ranges = bufferRanges(
      std::min(startOffset - startOffset % spec.bufferBytes, fds.size), fds.size, spec.bufferBytes);
  std::optional<PieceWorker> generator;
  if (random) {
    generator.emplace([&pattern](Piece& piece) {
      piece.status = pattern.fill(piece.range.offset, piece.buffer, piece.range.length);
    });
    for (size_t i = 0; i < buffers.size() && i < ranges.size(); ++i) {
      generator->submit({buffers[i].get(), ranges[i], Status::ok(), ""});
    }
  }
  std::chrono::steady_clock::time_point checkpointed;
  bool anyCheckpoint = false;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range& range = ranges[i];
    uint8_t* data = buffers[0].get();
    if (generator) {
      Piece piece = generator->take();
      TILLID_RETURN_IF_ERROR(piece.status);
      data = piece.buffer;
    }
    TILLID_RETURN_IF_ERROR(fds.write(data, range.offset, range.length));
    if (generator && i + buffers.size() < ranges.size()) {
      generator->submit({data, ranges[i + buffers.size()], Status::ok(), ""});
    }
    report.bytesWritten += range.length;
    // A checkpoint is what a restart may skip, so it is reported only once durable: after
    // the first buffer (status shows progress at once), then at a bounded rate.
    const uint64_t done = range.offset + range.length;
    const auto now = std::chrono::steady_clock::now();
    if (done < fds.size && (!anyCheckpoint || now - checkpointed >= kCheckpointInterval)) {
      TILLID_RETURN_IF_ERROR(fds.sync());
      anyCheckpoint = true;
      checkpointed = now;
      if (progress) progress(done, fds.size);
    }
  }
  TILLID_RETURN_IF_ERROR(fds.sync());
  if (progress && report.bytesWritten > 0) progress(fds.size, fds.size);
  return report;
}

Result<VerificationReport> verifyMedium(const OverwriteSpec& spec, const TargetList& targets,
                                        VerificationMode mode, uint64_t sampleSeed,
                                        const ProgressCallback& progress) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  TILLID_RETURN_IF_ERROR(checkSpec(spec));
  MediumFds fds;
  TILLID_RETURN_IF_ERROR(openFds(spec.path, O_RDONLY, fds));
  // What is read back must come from the medium, not from cached pages (the odd tail, or
  // a file system that refused O_DIRECT): drop them (clean after the overwrite's sync).
  (void)::posix_fadvise(fds.tail.get(), 0, 0, POSIX_FADV_DONTNEED);
  std::vector<AlignedBuffer> buffers(kBuffersInFlight);
  std::vector<uint8_t*> idle;
  for (auto& buffer : buffers) {
    buffer = alignedBuffer(spec.bufferBytes);
    if (!buffer) return Status::error(ErrorCode::kInternal, "out of memory for buffers");
    idle.push_back(buffer.get());
  }
  VerificationReport report;
  const std::vector<Range> ranges =
      verificationRanges(spec, fds.size, mode, sampleSeed, report.subsections);
  report.mode = report.subsections > 0 ? VerificationMode::kSample : VerificationMode::kFull;
  uint64_t total = 0;
  for (const Range& range : ranges) total += range.length;
  PatternStream pattern(spec);
  PieceWorker checker([&pattern](Piece& piece) {
    piece.status = compareWithPattern(pattern, piece.buffer, piece.range.offset, piece.range.length,
                                      piece.mismatch);
  });
  std::string mismatch;
  size_t inFlight = 0;
  // Takes the oldest compared piece back; counts it while everything before it matched.
  const auto collect = [&]() -> Status {
    Piece piece = checker.take();
    --inFlight;
    idle.push_back(piece.buffer);
    TILLID_RETURN_IF_ERROR(piece.status);
    if (!mismatch.empty()) return Status::ok();
    if (!piece.mismatch.empty()) {
      mismatch = piece.mismatch;
      return Status::ok();
    }
    report.bytesRead += piece.range.length;
    if (progress) progress(report.bytesRead, total);
    return Status::ok();
  };
  for (size_t i = 0; i < ranges.size() && mismatch.empty(); ++i) {
    if (idle.empty()) TILLID_RETURN_IF_ERROR(collect());
    if (!mismatch.empty()) break;
    uint8_t* buffer = idle.back();
    idle.pop_back();
    TILLID_RETURN_IF_ERROR(fds.read(buffer, ranges[i].offset, ranges[i].length));
    checker.submit({buffer, ranges[i], Status::ok(), ""});
    ++inFlight;
  }
  while (inFlight > 0) TILLID_RETURN_IF_ERROR(collect());
  report.passed = mismatch.empty();
  report.detail = report.passed ? "read-back matches the " +
                                      std::string(overwritePatternName(spec.pattern)) + " pattern"
                                : mismatch;
  return report;
}

}  // namespace tillid::platform
