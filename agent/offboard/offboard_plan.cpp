#include "agent/offboard/offboard_plan.h"

#include <algorithm>
#include <array>

namespace tillid::offboard {
namespace {

constexpr std::array<std::pair<StepKind, const char*>, 9> kKindNames = {{
    {StepKind::kEndSessions, "end-sessions"},
    {StepKind::kLockAccount, "lock-account"},
    {StepKind::kEraseFiles, "erase-files"},
    {StepKind::kRemoveAccount, "remove-account"},
    {StepKind::kCryptoEraseLuks, "crypto-erase-luks"},
    {StepKind::kOverwriteBlock, "overwrite-block"},
    {StepKind::kEraseAgentData, "erase-agent-data"},
    {StepKind::kCertificate, "certificate"},
    {StepKind::kFinalCommand, "final-command"},
}};

std::string expandUser(std::string path, const std::string& user) {
  for (auto at = path.find("{user}"); at != std::string::npos; at = path.find("{user}")) {
    path.replace(at, 6, user);
  }
  return path;
}

}  // namespace

const char* profileName(Profile profile) {
  return profile == Profile::kFull ? "full" : "user-data";
}

Result<Profile> parseProfile(const std::string& text) {
  if (text == "user-data") return Profile::kUserData;
  if (text == "full") return Profile::kFull;
  return Status::error(ErrorCode::kInvalidArgument,
                       "unknown profile '" + text + "' (use user-data or full)");
}

const char* stepKindName(StepKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

Result<StepKind> parseStepKind(const std::string& text) {
  for (const auto& [kind, name] : kKindNames) {
    if (text == name) return kind;
  }
  return Status::error(ErrorCode::kCorrupt, "unknown offboarding step kind '" + text + "'");
}

std::string underRoot(const std::string& rootPrefix, const std::string& path) {
  if (rootPrefix == "/" || rootPrefix.empty()) return path;
  std::string root = rootPrefix;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root + path;
}

platform::AccountSources accountSources(const OffboardSettings& settings) {
  platform::AccountSources sources;
  sources.rootPrefix = settings.rootPrefix.empty() ? "/" : settings.rootPrefix;
  sources.nameService = sources.rootPrefix == "/";
  return sources;
}

Status checkProfileMedia(const OffboardSettings& settings, Profile profile) {
  if (profile == Profile::kFull && settings.luksDevices.empty() && settings.blockDevices.empty()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "profile full needs at least one medium to sanitize: neither "
                         "offboard.luks_devices nor offboard.block_devices lists one (use "
                         "profile user-data to erase the users' files only)");
  }
  return Status::ok();
}

Result<std::vector<PlanStep>> buildPlan(const OffboardSettings& settings, Profile profile,
                                        const platform::AccountDiscovery& found,
                                        const std::string& stateDatabase) {
  TILLID_RETURN_IF_ERROR(checkProfileMedia(settings, profile));
  std::vector<platform::Account> leaving;
  std::vector<platform::Account> leavingLocal;
  for (const auto& d : found.accounts) {
    const bool kept = std::find(settings.keepAccounts.begin(), settings.keepAccounts.end(),
                                d.account.name) != settings.keepAccounts.end();
    if (!d.account.person || kept) continue;
    leaving.push_back(d.account);
    if (d.local) leavingLocal.push_back(d.account);
  }
  std::vector<PlanStep> steps;
  if (!leaving.empty()) {
    std::string ids;
    std::string names;
    for (const auto& a : leaving) {
      if (!ids.empty()) ids.append(",");
      ids.append(a.id.value);
      if (!names.empty()) names.append(", ");
      names.append(a.name);
    }
    steps.push_back({StepKind::kEndSessions, names,
                     "end every process of these users: SIGTERM, SIGKILL to what is left after the "
                     "grace period; verify none is left",
                     ids});
  }
  for (const auto& a : leavingLocal) {
    steps.push_back({StepKind::kLockAccount, a.name,
                     "invalidate the password and expire the account; verify in shadow", ""});
  }
  const std::string fileMethod =
      "overwrite every file with zeros, sync, read back, unlink; remove directories; "
      "never follow links; verify nothing is left";
  for (const auto& a : leaving) {
    if (a.home.empty()) continue;  // a user known only from a session has no home on record
    // Secrets first: should the erase be interrupted, the most sensitive data is gone.
    for (const auto& secret : settings.homeSecretPaths) {
      steps.push_back({StepKind::kEraseFiles, underRoot(settings.rootPrefix, a.home + "/" + secret),
                       fileMethod, a.name});
    }
    steps.push_back(
        {StepKind::kEraseFiles, underRoot(settings.rootPrefix, a.home), fileMethod, a.name});
  }
  for (const auto& path : settings.personalDataPaths) {
    if (path.find("{user}") == std::string::npos) {
      steps.push_back(
          {StepKind::kEraseFiles, underRoot(settings.rootPrefix, path), fileMethod, ""});
      continue;
    }
    for (const auto& a : leaving) {
      steps.push_back({StepKind::kEraseFiles,
                       underRoot(settings.rootPrefix, expandUser(path, a.name)), fileMethod,
                       a.name});
    }
  }
  // Deleting one user's records from an LDB cache leaves them in the file's free pages, so
  // a cache holding a leaving user's cached password hash goes whole, with every user of
  // that domain it caches; SSSD rebuilds it from the directory.
  for (const auto& cache : found.credentialCaches) {
    const bool holdsLeaving = std::any_of(leaving.begin(), leaving.end(), [&](const auto& a) {
      return std::find(cache.cachedAccounts.begin(), cache.cachedAccounts.end(), a.id) !=
             cache.cachedAccounts.end();
    });
    if (!holdsLeaving) continue;
    for (const auto& file : cache.files) {
      steps.push_back({StepKind::kEraseFiles, underRoot(settings.rootPrefix, file),
                       "SSSD cache of domain " + cache.domain +
                           " (cached password hashes): sssd stopped first if it runs; the "
                           "whole database, " +
                           fileMethod,
                       kDirectoryCacheParam + cache.domain});
    }
  }
  for (const auto& a : leavingLocal) {
    steps.push_back({StepKind::kRemoveAccount, a.name,
                     "remove from passwd, shadow, group and gshadow; verify it is gone", ""});
  }
  if (profile == Profile::kFull) {
    for (const auto& volume : settings.luksDevices) {
      steps.push_back({StepKind::kCryptoEraseLuks, volume,
                       "destroy every keyslot, overwrite the header area with a random pattern "
                       "(Purge, cryptographic erase); verify no header loads and the header "
                       "area reads back as the pattern",
                       ""});
    }
    for (const auto& device : settings.blockDevices) {
      steps.push_back(
          {StepKind::kOverwriteBlock, device,
           std::string("overwrite with ") + platform::overwritePatternName(settings.pattern) +
               " (direct I/O, " + std::to_string(settings.bufferBytes >> 20) +
               " MiB buffers; Clear); verify by " +
               (settings.verification == platform::VerificationMode::kFull
                    ? "reading everything back"
                    : "reading back >=1000 subsections, two 5% samples, first and last block"),
           ""});
    }
  }
  steps.push_back({StepKind::kEraseAgentData, stateDatabase,
                   "delete the agent's usage, Citrix and health records and unsent reports "
                   "(secure_delete, vacuum); verify the tables are empty",
                   ""});
  steps.push_back({StepKind::kCertificate, "certificate of sanitization",
                   "sign with the device key, queue with top priority; when enrolled, wait "
                   "until the collector has stored it",
                   ""});
  if (profile == Profile::kFull && !settings.finalCommand.empty()) {
    steps.push_back({StepKind::kFinalCommand, settings.finalCommand,
                     "run last; reports nothing afterwards", ""});
  }
  return steps;
}

}  // namespace tillid::offboard
