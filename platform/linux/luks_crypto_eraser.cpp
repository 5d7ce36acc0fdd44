// The Linux crypto-erase: LUKS volumes through libcryptsetup. Both LUKS2 headers and the
// keyslot area lie before the data area, and all of it is overwritten.

#include <fcntl.h>
#include <libcryptsetup.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "platform/linux/posix_error.h"
#include "platform/linux/posix_io.h"
#include "platform/volume_crypto_eraser.h"

namespace tillid::platform {
namespace {

constexpr size_t kBlock = 4096;
constexpr uint64_t kSampledBlocks = 64;
// LUKS2 keeps a secondary header at one of these offsets (cryptsetup's hdr_offsets).
constexpr std::array<uint64_t, 10> kLuks2HeaderOffsets = {
    0x0, 0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000};
constexpr std::array<char, 6> kLuksMagic = {'L', 'U', 'K', 'S', '\xba', '\xbe'};
constexpr std::array<char, 6> kLuksSecondaryMagic = {'S', 'K', 'U', 'L', '\xba', '\xbe'};

struct CryptFree {
  void operator()(crypt_device* cd) const { crypt_free(cd); }
};
using CryptDevice = std::unique_ptr<crypt_device, CryptFree>;

// The loaded LUKS context of `path`, or kNotFound when it holds no LUKS header.
Result<CryptDevice> loadLuks(const std::string& path) {
  crypt_device* raw = nullptr;
  int rc = crypt_init(&raw, path.c_str());
  if (rc < 0) return posixError("opening " + path + " with libcryptsetup", -rc);
  CryptDevice cd(raw);
  rc = crypt_load(cd.get(), CRYPT_LUKS, nullptr);
  if (rc < 0) {
    return Status::error(ErrorCode::kNotFound,
                         "no LUKS header on " + path + " (" + std::strerror(-rc) + ")");
  }
  return cd;
}

// SHA-256 of pseudorandom 4 KiB blocks of the header area (a fixed seed: the same blocks
// before and after).
Result<std::vector<std::array<uint8_t, 32>>> sampleHeader(int fd, uint64_t headerBytes,
                                                          const std::string& path) {
  std::vector<std::array<uint8_t, 32>> digests;
  std::mt19937_64 random(headerBytes);
  std::vector<uint8_t> block(kBlock);
  const uint64_t blocks = headerBytes / kBlock;
  for (uint64_t i = 0; i < kSampledBlocks && blocks > 0; ++i) {
    const uint64_t offset = (i == 0 ? 0 : random() % blocks) * kBlock;
    TILLID_RETURN_IF_ERROR(readFullyAt(fd, block.data(), kBlock, offset, "reading " + path));
    std::array<uint8_t, 32> digest{};
    SHA256(block.data(), kBlock, digest.data());
    digests.push_back(digest);
  }
  return digests;
}

// Drops the header's cached pages (clean once synced), so that what is read next comes
// from the medium, not from what this process wrote.
void dropCachedHeader(int fd, uint64_t headerBytes) {
  (void)::posix_fadvise(fd, 0, static_cast<off_t>(headerBytes), POSIX_FADV_DONTNEED);
}

Result<EncryptedVolumeInfo> inspectLuks(const std::string& path) {
  auto cd = loadLuks(path);
  if (!cd) return cd.status();
  EncryptedVolumeInfo info;
  info.path = path;
  const char* uuid = crypt_get_uuid(cd->get());
  info.uuid = uuid ? uuid : "";
  const char* type = crypt_get_type(cd->get());
  info.type = type ? type : "";
  const int slots = crypt_keyslot_max(type ? type : CRYPT_LUKS2);
  for (int slot = 0; slot < slots; ++slot) {
    const crypt_keyslot_info state = crypt_keyslot_status(cd->get(), slot);
    if (state == CRYPT_SLOT_ACTIVE || state == CRYPT_SLOT_ACTIVE_LAST) ++info.activeKeyslots;
  }
  info.headerBytes = crypt_get_data_offset(cd->get()) * 512;
  return info;
}

Result<CryptoEraseReport> cryptoEraseLuks(const OverwriteSpec& spec, uint64_t headerBytes,
                                          const TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  if (headerBytes == 0 || headerBytes % kBlock != 0) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "LUKS header size must be whole 4 KiB blocks");
  }
  CryptoEraseReport report;
  if (auto cd = loadLuks(spec.path)) {
    const char* type = crypt_get_type(cd->get());
    const int slots = crypt_keyslot_max(type ? type : CRYPT_LUKS2);
    for (int slot = 0; slot < slots; ++slot) {
      const crypt_keyslot_info state = crypt_keyslot_status(cd->get(), slot);
      if (state != CRYPT_SLOT_ACTIVE && state != CRYPT_SLOT_ACTIVE_LAST) continue;
      const int rc = crypt_keyslot_destroy(cd->get(), slot);
      if (rc < 0) return posixError("destroying keyslot " + std::to_string(slot), -rc);
      ++report.keyslotsDestroyed;
    }
  }
  // A header already (partly) overwritten by an interrupted attempt no longer loads; the
  // overwrite below covers it either way.
  UniqueFd fd(::open(spec.path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return posixError("opening " + spec.path, errno);
  auto before = sampleHeader(fd.get(), headerBytes, spec.path);
  if (!before) return before.status();
  std::vector<uint8_t> buffer(1 << 20);
  for (uint64_t offset = 0; offset < headerBytes;) {
    const size_t length =
        static_cast<size_t>(std::min<uint64_t>(buffer.size(), headerBytes - offset));
    TILLID_RETURN_IF_ERROR(fillPattern(spec, offset, buffer.data(), length));
    TILLID_RETURN_IF_ERROR(writeFullyAt(fd.get(), buffer.data(), length, offset,
                                        "overwriting the LUKS header of " + spec.path));
    offset += length;
  }
  if (::fsync(fd.get()) != 0) return posixError("syncing " + spec.path, errno);
  dropCachedHeader(fd.get(), headerBytes);
  report.headerBytesOverwritten = headerBytes;
  auto after = sampleHeader(fd.get(), headerBytes, spec.path);
  if (!after) return after.status();
  report.sampledBlocks = before->size();
  for (size_t i = 0; i < before->size(); ++i) {
    if ((*before)[i] != (*after)[i]) ++report.changedBlocks;
  }
  return report;
}

Result<VerificationReport> verifyCryptoErased(const OverwriteSpec& spec, uint64_t headerBytes,
                                              const TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permitsExactly(spec.path));
  VerificationReport report;
  report.mode = VerificationMode::kFull;
  if (loadLuks(spec.path)) {
    report.detail = "libcryptsetup still loads a LUKS header";
    return report;
  }
  UniqueFd fd(::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return posixError("opening " + spec.path, errno);
  dropCachedHeader(fd.get(), headerBytes);
  std::vector<uint8_t> read(1 << 20);
  std::vector<uint8_t> expected(read.size());
  for (uint64_t offset = 0; offset < headerBytes;) {
    const size_t length =
        static_cast<size_t>(std::min<uint64_t>(read.size(), headerBytes - offset));
    TILLID_RETURN_IF_ERROR(
        readFullyAt(fd.get(), read.data(), length, offset, "reading " + spec.path));
    TILLID_RETURN_IF_ERROR(fillPattern(spec, offset, expected.data(), length));
    for (const uint64_t magicOffset : kLuks2HeaderOffsets) {
      if (magicOffset < offset || magicOffset + kLuksMagic.size() > offset + length) continue;
      const uint8_t* at = read.data() + (magicOffset - offset);
      if (std::memcmp(at, kLuksMagic.data(), kLuksMagic.size()) == 0 ||
          std::memcmp(at, kLuksSecondaryMagic.data(), kLuksSecondaryMagic.size()) == 0) {
        report.detail = "LUKS magic remains at offset " + std::to_string(magicOffset);
        return report;
      }
    }
    if (std::memcmp(read.data(), expected.data(), length) != 0) {
      report.detail = "the header area near offset " + std::to_string(offset) +
                      " does not read back as the overwrite pattern";
      return report;
    }
    offset += length;
    report.bytesRead += length;
  }
  report.passed = true;
  report.detail = "no LUKS header loads, no LUKS magic at any header offset, " +
                  std::to_string(headerBytes) + " header bytes read back as the pattern";
  return report;
}

class LuksCryptoEraser final : public VolumeCryptoEraser {
 public:
  Result<EncryptedVolumeInfo> inspect(const std::string& path) override {
    return inspectLuks(path);
  }
  Result<CryptoEraseReport> cryptoErase(const OverwriteSpec& spec, uint64_t headerBytes,
                                        const TargetList& targets) override {
    return cryptoEraseLuks(spec, headerBytes, targets);
  }
  Result<VerificationReport> verifyErased(const OverwriteSpec& spec, uint64_t headerBytes,
                                          const TargetList& targets) override {
    return verifyCryptoErased(spec, headerBytes, targets);
  }
};

}  // namespace

std::unique_ptr<VolumeCryptoEraser> makeVolumeCryptoEraser() {
  return std::make_unique<LuksCryptoEraser>();
}

CryptoEraseLibrary cryptoEraseLibrary() {
  // libcryptsetup has no runtime version call; the build's pkg-config version is used.
  return {"libcryptsetup", TILLID_CRYPTSETUP_VERSION};
}

}  // namespace tillid::platform
