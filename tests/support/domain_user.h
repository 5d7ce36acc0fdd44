#pragma once
// A directory (SSSD) user on a device tree the test builds: a home owned by its uid and
// SSSD's cache database for its domain, written with ldbadd (ldb-tools writes the LDB
// format SSSD does), holding the user's cached password hash.

#include <cstdint>
#include <string>

namespace tillid::test {

// Root (to own files as another uid) and ldbadd are needed; false says why not in `why`.
bool canBuildDomainUser(std::string& why);

// A home at <root><home> owned by `uid`, with an SSH key and a note.
void makeOwnedHome(const std::string& path, uint32_t uid);

// <root>/var/lib/sss/db/cache_<domain>.ldb and timestamps_<domain>.ldb with `name`
// (uid, home, shell /bin/bash, cachedPassword `hash`) and a nologin service account
// (uid + 1).
void writeSssdCache(const std::string& root, const std::string& domain, const std::string& name,
                    uint32_t uid, const std::string& home, const std::string& hash);

}  // namespace tillid::test
