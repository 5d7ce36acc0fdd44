// Privileges on Windows: "root" is a token in which the Administrators group is enabled,
// that is an elevated administrator or SYSTEM.

#include <windows.h>

#include "tests/support/skip.h"

namespace tillid::test {

void skipUnlessRoot(const std::string& why) {
  SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
  PSID administrators = nullptr;
  BOOL member = FALSE;
  if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0,
                               0, 0, 0, 0, &administrators)) {
    if (!CheckTokenMembership(nullptr, administrators, &member)) member = FALSE;
    FreeSid(administrators);
  }
  if (!member) skipTest("needs an elevated administrator: " + why);
}

}  // namespace tillid::test
