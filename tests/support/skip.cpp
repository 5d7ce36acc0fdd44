#include "tests/support/skip.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace tillid::test {

void skipTest(const std::string& why) {
  std::cout << "skipped: " << why << std::endl;
  std::exit(kSkipReturnCode);
}

void skipUnlessRoot(const std::string& why) {
  if (::geteuid() != 0) skipTest("needs root: " + why);
}

}  // namespace tillid::test
