// Account discovery and the plan it feeds, on a device tree the test builds under a
// temporary root: a local IT account, a domain user known to SSSD (a real LDB cache made
// with ldbadd, holding a cached password hash) with a home, a home whose owner no source
// names, and service accounts. The name service part runs under nss_wrapper (a real NSS
// path fed from tests/data/nss_wrapper), never the machine's own users.

#include "platform/account_discovery.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "agent/offboard/offboard_plan.h"
#include "platform/file_eraser.h"
#include "platform/target_list.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace tillid::offboard {
namespace {

namespace fs = std::filesystem;
using test::readFile;
using test::TempDir;
using test::writeFile;

constexpr uint32_t kDomainUid = 1500000;
constexpr uint32_t kOrphanUid = 1600000;

bool haveLdbadd() {
  return ::access("/usr/bin/ldbadd", X_OK) == 0;
}

// An SSSD-shaped LDB database at `path` (ldbadd writes the same TDB/LDB format SSSD does).
void writeLdb(const TempDir& dir, const std::string& path, const std::string& ldif) {
  writeFile(dir.file("records.ldif"), ldif);
  const auto run =
      test::runProgram("/usr/bin/ldbadd", {"-H", "tdb://" + path, dir.file("records.ldif")});
  REQUIRE(run.exitCode == 0);
}

void makeHome(const std::string& path, uint32_t uid) {
  fs::create_directories(path + "/.ssh");
  writeFile(path + "/.ssh/id_ed25519", std::string(3000, 'k'));
  writeFile(path + "/notes.txt", "personal");
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    REQUIRE(::lchown(entry.path().c_str(), uid, uid) == 0);
  }
  REQUIRE(::lchown(path.c_str(), uid, uid) == 0);
}

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
  makeHome(root + "/home/it-admin", 1000);
  makeHome(root + "/home/dana", kDomainUid);
  makeHome(root + "/home/eve", kOrphanUid);
  fs::create_directories(root + "/var/lib/sss/db");
  writeLdb(dir, root + "/var/lib/sss/db/cache_corp.example.ldb",
           "dn: name=dana@corp.example,cn=users,cn=corp.example,cn=sysdb\n"
           "objectClass: user\nname: dana@corp.example\nuidNumber: 1500000\n"
           "gidNumber: 1500000\nhomeDirectory: /home/dana\nloginShell: /bin/bash\n"
           "cachedPassword: $6$salt$cachedhashofdana\n\n"
           "dn: name=svc-print@corp.example,cn=users,cn=corp.example,cn=sysdb\n"
           "objectClass: user\nname: svc-print@corp.example\nuidNumber: 1500001\n"
           "homeDirectory: /var/empty\nloginShell: /sbin/nologin\n");
  writeLdb(dir, root + "/var/lib/sss/db/timestamps_corp.example.ldb",
           "dn: name=dana@corp.example,cn=users,cn=corp.example,cn=sysdb\n"
           "objectClass: user\nlastUpdate: 1764700000\n");
  return root;
}

const platform::DiscoveredAccount* byUid(const platform::AccountDiscovery& found, uint32_t uid) {
  for (const auto& d : found.accounts) {
    if (d.account.uid == uid) return &d;
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
  if (::geteuid() != 0 || !haveLdbadd()) {
    WARN("needs root (homes owned by other uids) and ldbadd (ldb-tools); skipped");
    return;
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
  CHECK(dana->person);
  CHECK(!dana->local);
  CHECK(dana->account.name == "dana@corp.example");
  CHECK(dana->account.home == "/home/dana");
  CHECK(dana->domain == "corp.example");
  CHECK(hasSource(*dana, "sssd-cache"));
  CHECK(hasSource(*dana, "home-owner"));
  CHECK(hasSource(*dana, "nss") == nameService);
  const auto* eve = byUid(*found, kOrphanUid);
  REQUIRE(eve != nullptr);  // a home whose owner no account source names
  CHECK(eve->person);
  CHECK(eve->account.home == "/home/eve");
  CHECK(eve->sources == std::vector<std::string>{"home-owner"});
  CHECK(!byUid(*found, 34)->person);
  CHECK(!byUid(*found, 1500001)->person);  // a directory service account: nologin
  CHECK(byUid(*found, 1000)->local);
  REQUIRE(found->credentialCaches.size() == 1);
  CHECK(found->credentialCaches[0].files ==
        std::vector<std::string>{"/var/lib/sss/db/cache_corp.example.ldb",
                                 "/var/lib/sss/db/timestamps_corp.example.ldb"});

  OffboardSettings settings;
  settings.rootPrefix = root;
  settings.keepAccounts = {"it-admin"};
  settings.homeSecretPaths = {".ssh"};
  const auto plan = buildPlan(settings, Profile::kUserData, *found, dir.file("state.db"));
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

// Run by ctest under nss_wrapper (tests/unit/CMakeLists.txt): hidden from plain runs.
TEST_CASE("accounts: name-service users are found through NSS", "[.][nss]") {
  if (std::getenv("NSS_WRAPPER_PASSWD") == nullptr) {
    WARN("not running under nss_wrapper (libnss-wrapper); skipped");
    return;
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
  CHECK(!service->person);
  REQUIRE(byUid(*found, kDomainUid) != nullptr);
  CHECK(byUid(*found, kDomainUid)->person);
}

}  // namespace
}  // namespace tillid::offboard
