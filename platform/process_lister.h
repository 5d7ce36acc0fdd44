#pragma once
// Running processes, as the caller may see them: with their executable name and owner
// for recognising Citrix client processes (wfica, selfservice, ...), through an interface
// so tests can pass a fake (the agent uses makeProcessLister()); and by program name with
// their command lines for `tillid-agent status`, which must say whether the agent runs
// when the caller may not open the state directory (and so not its lock).

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::platform {

struct ProcessInfo {
  int pid = 0;
  std::string name;  // executable name without directory, e.g. "wfica"
  std::string user;  // owner's user name, or its account id when it has no name
};

class ProcessLister {
 public:
  virtual ~ProcessLister() = default;
  // A snapshot of the processes the caller may see. Processes that exit while they are
  // being read are skipped. Not thread-safe: one caller at a time.
  virtual Result<std::vector<ProcessInfo>> list() = 0;
};

std::unique_ptr<ProcessLister> makeProcessLister();

struct ProcessCommandLine {
  int pid = 0;
  std::vector<std::string> args;  // args[0] is the program
};

// Processes other than the caller whose executable is named `name` (no directory). An
// empty list when the system hides other processes from the caller.
std::vector<ProcessCommandLine> processesNamed(const std::string& name);

}  // namespace tillid::platform
