#include "tests/support/skip.h"

#include <cstdlib>
#include <iostream>

namespace tillid::test {

void skipTest(const std::string& why) {
  std::cout << "skipped: " << why << std::endl;
  std::exit(kSkipReturnCode);
}

}  // namespace tillid::test
