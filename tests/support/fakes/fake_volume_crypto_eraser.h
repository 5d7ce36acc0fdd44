#pragma once
// platform::VolumeCryptoEraser over volumes in memory: each has keyslots and a header of
// `headerBytes`. An erase destroys the keyslots, then overwrites the header; refuses
// volumes the target list does not name exactly, as the Linux one. Fault injection: with
// `failAfterKeyslots` the erase stops with an I/O error after destroying the keyslots and
// before the header (a step that fails half way; the header size must come from the
// first attempt); `headerSurvives` volumes report a complete erase but keep their header
// (a verification then finds it).

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "platform/volume_crypto_eraser.h"

namespace tillid::test {

struct FakeVolume {
  int keyslots = 2;
  uint64_t headerBytes = 16 << 20;
  bool header = true;  // the LUKS header is still readable
};

class FakeVolumeCryptoEraser final : public platform::VolumeCryptoEraser {
 public:
  Result<platform::EncryptedVolumeInfo> inspect(const std::string& path) override;
  Result<platform::CryptoEraseReport> cryptoErase(const platform::OverwriteSpec& spec,
                                                  uint64_t headerBytes,
                                                  const platform::TargetList& targets) override;
  Result<platform::VerificationReport> verifyErased(const platform::OverwriteSpec& spec,
                                                    uint64_t headerBytes,
                                                    const platform::TargetList& targets) override;

  // Adds a LUKS2 volume at `path`.
  void add(const std::string& path, FakeVolume volume = {}) { volumes[path] = volume; }

  std::map<std::string, FakeVolume> volumes;
  bool failAfterKeyslots = false;
  std::set<std::string> headerSurvives;
};

}  // namespace tillid::test
