#include "tests/support/domain_user.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLdbadd = "/usr/bin/ldbadd";

void addLdb(const std::string& path, const std::string& ldif) {
  TempDir dir;
  writeFile(dir.file("records.ldif"), ldif);
  const auto run = runProgram(kLdbadd, {"-H", "tdb://" + path, dir.file("records.ldif")});
  INFO(run.err);
  REQUIRE(run.exitCode == 0);
}

}  // namespace

bool canBuildDomainUser(std::string& why) {
  if (::geteuid() != 0) {
    why = "needs root to own homes as other uids";
    return false;
  }
  if (::access(kLdbadd, X_OK) != 0) {
    why = "needs ldbadd (ldb-tools, scripts/bootstrap installs it)";
    return false;
  }
  return true;
}

void makeOwnedHome(const std::string& path, uint32_t uid) {
  fs::create_directories(path + "/.ssh");
  writeFile(path + "/.ssh/id_ed25519", std::string(3000, 'k'));
  writeFile(path + "/notes.txt", "personal");
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    REQUIRE(::lchown(entry.path().c_str(), uid, uid) == 0);
  }
  REQUIRE(::lchown(path.c_str(), uid, uid) == 0);
}

void writeSssdCache(const std::string& root, const std::string& domain, const std::string& name,
                    uint32_t uid, const std::string& home, const std::string& hash) {
  const std::string db = root + "/var/lib/sss/db";
  fs::create_directories(db);
  const std::string base = ",cn=users,cn=" + domain + ",cn=sysdb\n";
  const std::string service = "svc-print@" + domain;
  addLdb(db + "/cache_" + domain + ".ldb",
         "dn: name=" + name + base + "objectClass: user\nname: " + name +
             "\nuidNumber: " + std::to_string(uid) + "\ngidNumber: " + std::to_string(uid) +
             "\nhomeDirectory: " + home + "\nloginShell: /bin/bash\ncachedPassword: " + hash +
             "\n\ndn: name=" + service + base + "objectClass: user\nname: " + service +
             "\nuidNumber: " + std::to_string(uid + 1) +
             "\nhomeDirectory: /var/empty\nloginShell: /sbin/nologin\n");
  addLdb(db + "/timestamps_" + domain + ".ldb",
         "dn: name=" + name + base + "objectClass: user\nlastUpdate: 1764700000\n");
}

}  // namespace tillid::test
