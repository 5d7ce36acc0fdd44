// Account discovery and the plan it feeds, on a device tree the test builds under a
// temporary root: a local IT account, a domain user known to SSSD (a real LDB cache made
// with ldbadd, holding a cached password hash) with a home, a home whose owner no source
// names, and service accounts. The name service part runs under nss_wrapper (a real NSS
// path fed from tests/data/nss_wrapper), never the machine's own users.

#include "platform/account_discovery.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "agent/offboard/offboard_plan.h"
#include "platform/file_eraser.h"
#include "platform/target_list.h"
#include "tests/support/domain_user.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"

namespace tillid::offboard {
namespace {

namespace fs = std::filesystem;
using test::readFile;
using test::TempDir;
using test::writeFile;

constexpr uint32_t kDomainUid = 1500000;
constexpr uint32_t kOrphanUid = 1600000;

// The device: root/etc with root, a kept IT account and a local service account; homes
// for the IT account, the domain user and an owner no source names; the SSSD cache.
std::string buildDevice(const TempDir& dir) {
  const std::string root = dir.file("root");
  fs::create_directories(root + "/etc");
  writeFile(root + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "it-admin:x:1000:1000:IT:/home/it-admin:/bin/bash\n"
            "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n");
  writeFile(root + "/etc/shadow", "root:*:19000::::::\nit-admin:$y$it:19000::::::\n");
  writeFile(root + "/etc/group", "root:x:0:\nit-admin:x:1000:\n");
  test::makeOwnedHome(root + "/home/it-admin", 1000);
  test::makeOwnedHome(root + "/home/dana", kDomainUid);
  test::makeOwnedHome(root + "/home/eve", kOrphanUid);
  test::writeSssdCache(root, "corp.example", "dana@corp.example", kDomainUid, "/home/dana",
                       "$6$salt$cachedhashofdana");
  return root;
}

const platform::DiscoveredAccount* byUid(const platform::AccountDiscovery& found, uint32_t uid) {
  for (const auto& d : found.accounts) {
    if (d.account.id.value == std::to_string(uid)) return &d;
  }
  return nullptr;
}

bool hasSource(const platform::DiscoveredAccount& d, const std::string& source) {
  return std::find(d.sources.begin(), d.sources.end(), source) != d.sources.end();
}

std::vector<PlanStep> stepsOf(const std::vector<PlanStep>& plan, StepKind kind) {
  std::vector<PlanStep> out;
  for (const auto& s : plan) {
    if (s.kind == kind) out.push_back(s);
  }
  return out;
}

// Discovers, plans and really erases what the plan's erase steps name, then checks that
// the domain user's home and cached credentials are gone and nothing else is.
void discoverPlanAndErase(bool nameService) {
  std::string why;
  if (!test::canBuildDomainUser(why)) {
    ::tillid::test::skipTest(why);
  }
  TempDir dir;
  const std::string root = buildDevice(dir);
  platform::AccountSources sources;
  sources.rootPrefix = root;
  sources.nameService = nameService;
  auto found = platform::discoverAccounts(sources);
  REQUIRE(found.isOk());

  const auto* dana = byUid(*found, kDomainUid);
  REQUIRE(dana != nullptr);
  CHECK(dana->account.person);
  CHECK(!dana->local);
  CHECK(dana->account.name == "dana@corp.example");
  CHECK(dana->account.home == "/home/dana");
  CHECK(dana->domain == "corp.example");
  CHECK(hasSource(*dana, "sssd-cache"));
  CHECK(hasSource(*dana, "home-owner"));
  CHECK(hasSource(*dana, "nss") == nameService);
  const auto* eve = byUid(*found, kOrphanUid);
  REQUIRE(eve != nullptr);  // a home whose owner no account source names
  CHECK(eve->account.person);
  CHECK(eve->account.home == "/home/eve");
  CHECK(eve->sources == std::vector<std::string>{"home-owner"});
  CHECK(!byUid(*found, 34)->account.person);
  CHECK(!byUid(*found, 1500001)->account.person);  // a directory service account: nologin
  CHECK(byUid(*found, 1000)->local);
  CHECK(found->unreadableEntries == 0);
  REQUIRE(found->credentialCaches.size() == 1);
  CHECK(found->credentialCaches[0].files ==
        std::vector<std::string>{"/var/lib/sss/db/cache_corp.example.ldb",
                                 "/var/lib/sss/db/timestamps_corp.example.ldb"});

  OffboardSettings settings;
  settings.rootPrefix = root;
  settings.keepAccounts = {"it-admin"};
  settings.homeSecretPaths = {".ssh"};
  const auto built = buildPlan(settings, Profile::kUserData, *found, dir.file("state.db"));
  REQUIRE(built);
  const auto& plan = *built;
  const auto sessions = stepsOf(plan, StepKind::kEndSessions);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].param == "1500000,1600000");
  // Directory accounts are not in the device's passwd: nothing to lock or remove there.
  CHECK(stepsOf(plan, StepKind::kLockAccount).empty());
  CHECK(stepsOf(plan, StepKind::kRemoveAccount).empty());
  std::vector<std::string> erased;
  for (const auto& s : stepsOf(plan, StepKind::kEraseFiles)) erased.push_back(s.target);
  CHECK(erased == std::vector<std::string>{root + "/home/dana/.ssh", root + "/home/dana",
                                           root + "/home/eve/.ssh", root + "/home/eve",
                                           root + "/var/lib/sss/db/cache_corp.example.ldb",
                                           root + "/var/lib/sss/db/timestamps_corp.example.ldb"});

  // The real erase of those targets, as the engine's erase step does it.
  const std::string cache = readFile(root + "/var/lib/sss/db/cache_corp.example.ldb");
  REQUIRE(cache.find("cachedhashofdana") != std::string::npos);
  auto targets = platform::TargetList::create(erased);
  REQUIRE(targets.isOk());
  for (const auto& target : erased) {
    INFO(target);
    REQUIRE(platform::eraseTree(target, *targets).isOk());
    CHECK(platform::verifyErased(target).isOk());
  }
  CHECK(!fs::exists(root + "/home/dana"));
  CHECK(!fs::exists(root + "/var/lib/sss/db/cache_corp.example.ldb"));
  CHECK(readFile(root + "/home/it-admin/notes.txt") == "personal");
  CHECK(readFile(root + "/etc/passwd").find("it-admin") != std::string::npos);
  auto after = platform::discoverAccounts(sources);
  REQUIRE(after.isOk());
  CHECK(after->credentialCaches.empty());
  CHECK(byUid(*after, kOrphanUid) == nullptr);
}

TEST_CASE("accounts: SSSD-cached and home-owning users are found, planned and erased",
          "[offboard]") {
  discoverPlanAndErase(false);
}

TEST_CASE("accounts: systemd-homed users are found from their user records, image as home",
          "[offboard]") {
  TempDir dir;
  const std::string root = dir.file("root");
  fs::create_directories(root + "/etc");
  writeFile(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  fs::create_directories(root + "/var/lib/systemd/home");
  // A LUKS-backed home (the image is a file) and a directory-backed one, as homectl writes
  // their records; and one record that is not a user record.
  writeFile(root + "/var/lib/systemd/home/carol.identity",
            R"({"userName":"carol","uid":60231,"gid":60231,"storage":"luks",)"
            R"("imagePath":"/home/carol.home","homeDirectory":"/home/carol",)"
            R"("disposition":"regular","privileged":{"hashedPassword":["$y$x"]}})");
  writeFile(root + "/var/lib/systemd/home/frank.identity",
            R"({"userName":"frank","uid":60400,"storage":"directory",)"
            R"("imagePath":"/home/frank.homedir","shell":"/bin/zsh"})");
  writeFile(root + "/var/lib/systemd/home/broken.identity", "{not json");
  fs::create_directories(root + "/home");
  writeFile(root + "/home/carol.home", "LUKS image of carol's home");
  test::makeOwnedHome(root + "/home/frank.homedir", 60400);
  platform::AccountSources sources;
  sources.rootPrefix = root;
  sources.nameService = false;
  auto found = platform::discoverAccounts(sources);
  REQUIRE(found.isOk());
  const auto* carol = byUid(*found, 60231);
  REQUIRE(carol != nullptr);
  CHECK(carol->account.person);
  CHECK(!carol->local);
  CHECK(carol->account.name == "carol");
  CHECK(carol->account.home == "/home/carol.home");
  CHECK(carol->sources == std::vector<std::string>{"homed"});
  const auto* frank = byUid(*found, 60400);
  REQUIRE(frank != nullptr);
  CHECK(frank->account.home == "/home/frank.homedir");
  CHECK(frank->account.shell == "/bin/zsh");
  CHECK(hasSource(*frank, "homed"));
  CHECK(hasSource(*frank, "home-owner"));
  CHECK(found->unreadableEntries == 1);

  // The plan erases each image, where the data of a logged-out homed user lives.
  OffboardSettings settings;
  settings.rootPrefix = root;
  const auto built = buildPlan(settings, Profile::kUserData, *found, dir.file("state.db"));
  REQUIRE(built);
  std::vector<std::string> erased;
  for (const auto& s : stepsOf(*built, StepKind::kEraseFiles)) erased.push_back(s.target);
  CHECK(std::find(erased.begin(), erased.end(), root + "/home/carol.home") != erased.end());
  CHECK(std::find(erased.begin(), erased.end(), root + "/home/frank.homedir") != erased.end());
}

// Run by ctest under nss_wrapper (tests/unit/CMakeLists.txt): hidden from plain runs.
TEST_CASE("accounts: name-service users are found through NSS", "[.][nss]") {
  if (std::getenv("NSS_WRAPPER_PASSWD") == nullptr) {
    ::tillid::test::skipTest("not running under nss_wrapper (libnss-wrapper)");
  }
  discoverPlanAndErase(true);
  TempDir dir;
  platform::AccountSources sources;
  sources.rootPrefix = dir.path();
  fs::create_directories(dir.file("etc"));
  writeFile(dir.file("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  auto found = platform::discoverAccounts(sources);
  REQUIRE(found.isOk());
  const auto* service = byUid(*found, 998);
  REQUIRE(service != nullptr);
  CHECK(service->sources == std::vector<std::string>{"nss"});
  CHECK(!service->account.person);
  REQUIRE(byUid(*found, kDomainUid) != nullptr);
  CHECK(byUid(*found, kDomainUid)->account.person);
}

}  // namespace
}  // namespace tillid::offboard
