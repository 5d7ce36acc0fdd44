#pragma once
// Crypto-erase of an encrypted volume (NIST SP 800-88 Purge by cryptographic erase): every
// key slot is destroyed, then the whole header area is overwritten with a regenerable
// pattern, so the volume key is gone and the data area is ciphertext nobody can decrypt.
// Only volumes listed exactly in the target list are touched. The offboarding engine
// receives the service (platform.h); LUKS through libcryptsetup is the Linux
// implementation (platform/linux/luks_crypto_eraser.cpp). Thread-safe: no shared state.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "platform/block_overwriter.h"
#include "platform/target_list.h"

namespace tillid::platform {

struct EncryptedVolumeInfo {
  std::string path;
  std::string uuid;
  std::string type;  // the format, e.g. "LUKS2"
  int activeKeyslots = 0;
  uint64_t headerBytes = 0;  // from the start of the device to the data area
};

struct CryptoEraseReport {
  int keyslotsDestroyed = 0;
  uint64_t headerBytesOverwritten = 0;
  uint64_t sampledBlocks = 0;  // pseudorandom header blocks read before and after
  uint64_t changedBlocks = 0;  // of those, how many differ after the erase
};

class VolumeCryptoEraser {
 public:
  virtual ~VolumeCryptoEraser() = default;
  // kNotFound when `path` holds no header of an encrypted volume.
  virtual Result<EncryptedVolumeInfo> inspect(const std::string& path) = 0;
  // Destroys every key slot and overwrites the first `headerBytes` with the pattern of
  // `spec` (spec.path is the volume). `headerBytes` comes from inspect before the first
  // attempt, so a resumed erase whose header is already half overwritten still covers it.
  virtual Result<CryptoEraseReport> cryptoErase(const OverwriteSpec& spec, uint64_t headerBytes,
                                                const TargetList& targets) = 0;
  // The crypto-erase's check: no header loads or remains at any place the format keeps
  // one, and the header area reads back as the pattern. `passed` false (not an error) when
  // any of these fails; `detail` says which.
  virtual Result<VerificationReport> verifyErased(const OverwriteSpec& spec, uint64_t headerBytes,
                                                  const TargetList& targets) = 0;
};

std::unique_ptr<VolumeCryptoEraser> makeVolumeCryptoEraser();

// The library that crypto-erases on this system, for the certificate of sanitization's
// tool field: on Linux {"libcryptsetup", its version}.
struct CryptoEraseLibrary {
  std::string name;
  std::string version;
};
CryptoEraseLibrary cryptoEraseLibrary();

}  // namespace tillid::platform
