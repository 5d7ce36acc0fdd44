#pragma once
// Finding the processes of a program by name, as any user may see them. `tillid-agent
// status` uses it to say whether the agent runs when the caller may not open the state
// directory (and so not its lock).

#include <string>
#include <vector>

namespace tillid::platform {

struct ProcessEntry {
  int pid = 0;
  std::vector<std::string> args;  // the command line, args[0] being the program
};

// Processes other than the caller whose executable is named `name` (no directory). An
// empty list when the system hides other processes from the caller.
std::vector<ProcessEntry> processesNamed(const std::string& name);

}  // namespace tillid::platform
