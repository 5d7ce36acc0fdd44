#pragma once
// Crypto-erase of LUKS volumes (NIST SP 800-88 Purge by cryptographic erase): every
// keyslot is destroyed through libcryptsetup, then the whole header area (both LUKS2
// headers, the keyslot area) is overwritten with a regenerable random pattern, so the
// volume key is gone and the data area is ciphertext nobody can decrypt. Only volumes
// listed exactly in the target list are touched. Thread-safe: no shared state.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "platform/block_overwriter.h"
#include "platform/target_list.h"

namespace tillid::platform {

struct LuksInfo {
  std::string path;
  std::string uuid;
  std::string type;  // "LUKS2" or "LUKS1"
  int activeKeyslots = 0;
  uint64_t headerBytes = 0;  // from the start of the device to the data area
};

// kNotFound when `path` holds no LUKS header.
Result<LuksInfo> inspectLuks(const std::string& path);

struct CryptoEraseReport {
  int keyslotsDestroyed = 0;
  uint64_t headerBytesOverwritten = 0;
  uint64_t sampledBlocks = 0;  // pseudorandom header blocks read before and after
  uint64_t changedBlocks = 0;  // of those, how many differ after the erase
};

// Destroys every keyslot and overwrites the first `headerBytes` with the pattern of
// `spec` (spec.path is the volume). `headerBytes` comes from inspectLuks before the first
// attempt, so a resumed erase whose header is already half overwritten still covers it.
Result<CryptoEraseReport> cryptoEraseLuks(const OverwriteSpec& spec, uint64_t headerBytes,
                                          const TargetList& targets);

// The crypto-erase's check: libcryptsetup finds no LUKS header, no LUKS magic remains at
// any primary or secondary header offset, and the header area reads back as the pattern.
// `passed` false (not an error) when any of these fails; `detail` says which.
Result<VerificationReport> verifyCryptoErased(const OverwriteSpec& spec, uint64_t headerBytes,
                                              const TargetList& targets);

// libcryptsetup's version, for the certificate's tool field.
std::string cryptsetupVersion();

// Crypto-erase of encrypted volumes as a service the offboarding engine receives
// (platform.h); LUKS through the functions above is the Linux implementation.
class VolumeCryptoEraser {
 public:
  virtual ~VolumeCryptoEraser() = default;
  virtual Result<LuksInfo> inspect(const std::string& path) = 0;
  virtual Result<CryptoEraseReport> cryptoErase(const OverwriteSpec& spec, uint64_t headerBytes,
                                                const TargetList& targets) = 0;
  virtual Result<VerificationReport> verifyErased(const OverwriteSpec& spec, uint64_t headerBytes,
                                                  const TargetList& targets) = 0;
};

}  // namespace tillid::platform
