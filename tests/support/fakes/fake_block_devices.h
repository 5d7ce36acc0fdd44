#pragma once
// platform::BlockDevices over media in memory: `media` maps a path to its bytes. The
// overwrite writes the real pattern (platform::fillPattern) one buffer at a time and
// reports each buffer as a checkpoint; verification compares every byte (in either mode).
// Refuses media the target list does not name exactly, as the Linux one. Fault
// injection: the device reports an I/O error when the overwrite reaches `failAtOffset`
// (after the checkpoints before it); `stuckBytes` keep their old value whatever is
// written (a verification then finds them).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/block_overwriter.h"

namespace tillid::test {

class FakeBlockDevices final : public platform::BlockDevices {
 public:
  Result<platform::MediumInfo> describe(const std::string& path) override;
  Result<platform::OverwriteReport> overwrite(const platform::OverwriteSpec& spec,
                                              const platform::TargetList& targets,
                                              uint64_t startOffset,
                                              const platform::ProgressCallback& progress) override;
  Result<platform::VerificationReport> verify(const platform::OverwriteSpec& spec,
                                              const platform::TargetList& targets,
                                              platform::VerificationMode mode, uint64_t sampleSeed,
                                              const platform::ProgressCallback& progress) override;

  std::map<std::string, std::vector<uint8_t>> media;
  std::optional<uint64_t> failAtOffset;
  std::set<uint64_t> stuckBytes;
  uint64_t overwriteCalls = 0;
};

}  // namespace tillid::test
