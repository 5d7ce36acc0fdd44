#include "tests/support/fakes/fake_process_lister.h"

namespace tillid::test {

Result<std::vector<platform::ProcessInfo>> FakeProcessLister::list() {
  if (!failure) return failure;
  return running;
}

}  // namespace tillid::test
