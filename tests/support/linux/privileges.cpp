// Privileges on Linux: root is effective user id 0.

#include <unistd.h>

#include "tests/support/skip.h"

namespace tillid::test {

void skipUnlessRoot(const std::string& why) {
  if (::geteuid() != 0) skipTest("needs root: " + why);
}

}  // namespace tillid::test
