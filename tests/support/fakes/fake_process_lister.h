#pragma once
// platform::ProcessLister over a list the test sets: `running` is the snapshot list()
// returns; a non-ok `failure` is returned instead (the system refused).

#include <vector>

#include "platform/process_lister.h"

namespace tillid::test {

class FakeProcessLister final : public platform::ProcessLister {
 public:
  Result<std::vector<platform::ProcessInfo>> list() override;

  std::vector<platform::ProcessInfo> running;
  Status failure;
};

}  // namespace tillid::test
