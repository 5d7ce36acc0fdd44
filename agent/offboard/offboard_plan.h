#pragma once
// The offboarding plan: every step, its target and its method, computed once from the
// configuration and the device's accounts when an order is accepted, then persisted
// (offboard_store.h) so that a restart resumes the same plan even after the accounts it
// was computed from are gone. `tillid-agent offboard plan` prints it and erases nothing.

#include <string>
#include <vector>

#include "agent/offboard/offboard_settings.h"
#include "platform/account_discovery.h"

namespace tillid::offboard {

enum class Profile { kUserData, kFull };
const char* profileName(Profile profile);  // "user-data" | "full"
Result<Profile> parseProfile(const std::string& text);

enum class StepKind {
  kEndSessions,      // target: the users; param: their account ids, comma-separated;
                     // verify: none of their processes left
  kLockAccount,      // target: account name; verify: shadow shows it locked
  kEraseFiles,       // target: absolute path; verify: nothing left at the path
  kRemoveAccount,    // target: account name; verify: not in passwd any more
  kCryptoEraseLuks,  // target: volume; verify: no header loads, header area reads back
  kOverwriteBlock,   // target: device; verify: read-back (full or sampled)
  kEraseAgentData,   // target: the state database; verify: its personal tables are empty
  kCertificate,      // sign, queue with top priority, wait for the collector when enrolled
  kFinalCommand,     // target: the configured command; reports nothing afterwards
};
const char* stepKindName(StepKind kind);
Result<StepKind> parseStepKind(const std::string& text);

// The param of an erase-files step whose target is a directory cache (SSSD): the
// prefix, then the domain. The engine stops the cache daemon before erasing it.
inline constexpr const char* kDirectoryCacheParam = "sssd:";

struct PlanStep {
  StepKind kind = StepKind::kEndSessions;
  std::string target;
  std::string method;  // what is done and how it is checked, for people
  std::string param;   // kind-specific: the accounts' ids, a LUKS header size, ...
};

// The steps of `profile` for the accounts found on the device (every source:
// platform/account_discovery.h). People's accounts that are not kept have their sessions
// ended and their homes erased; local ones are also locked and removed (a directory
// account lives in its directory, which the device cannot change); the directory caches
// holding a leaving user's cached credentials are erased whole. Block devices and LUKS
// volumes only in the full profile. kInvalidArgument when checkProfileMedia refuses.
Result<std::vector<PlanStep>> buildPlan(const OffboardSettings& settings, Profile profile,
                                        const platform::AccountDiscovery& found,
                                        const std::string& stateDatabase);

// The full profile certifies that the device's storage was sanitized: with no LUKS volume
// and no block device configured it would sanitize nothing beyond the user-data files, so
// it is refused (kInvalidArgument) rather than certified.
Status checkProfileMedia(const OffboardSettings& settings, Profile profile);

// Where the accounts are looked for under the configured root prefix.
platform::AccountSources accountSources(const OffboardSettings& settings);

// `rootPrefix` joined with an absolute path as the system sees it.
std::string underRoot(const std::string& rootPrefix, const std::string& path);

}  // namespace tillid::offboard
