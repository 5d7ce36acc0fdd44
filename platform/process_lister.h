#pragma once
// Running processes with their executable name and owner, for recognising Citrix client
// processes (wfica, selfservice, ...). One interface so tests can pass a fake; the agent
// uses makeProcessLister().

#include <memory>
#include <string>
#include <vector>

#include "agent/core/result.h"

namespace tillid::platform {

struct ProcessInfo {
  int pid = 0;
  std::string name;  // executable name without directory, e.g. "wfica"
  std::string user;  // owner's user name, or the numeric uid when it has no name
};

class ProcessLister {
 public:
  virtual ~ProcessLister() = default;
  // A snapshot of the processes the caller may see. Processes that exit while they are
  // being read are skipped. Not thread-safe: one caller at a time.
  virtual Result<std::vector<ProcessInfo>> list() = 0;
};

std::unique_ptr<ProcessLister> makeProcessLister();

}  // namespace tillid::platform
