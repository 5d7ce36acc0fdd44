#pragma once
// The shape every Tillid command-line program shares: global options, named commands
// with their own options, --help and --version, errors on stderr with a non-zero exit
// code that say what to do. Exceptions stop here (the process boundary).

#include <functional>
#include <string>
#include <vector>

#include "common/command_line.h"

namespace tillid {

// Exit codes, the same in every program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;     // the command ran and failed
inline constexpr int kExitUsage = 2;       // bad command line or configuration
inline constexpr int kExitNotRunning = 3;  // `status`: no agent is running (LSB convention)
inline constexpr int kExitInternal = 70;   // a bug: an exception escaped

struct Command {
  std::string name;
  std::string usage;    // e.g. "audit verify"
  std::string summary;  // one line
  std::vector<OptionSpec> options;
  std::function<int(const ParsedArgs&)> run;
};

struct CliProgram {
  std::string name;         // e.g. "tillid-agent"
  std::string description;  // a paragraph for --help
  std::vector<OptionSpec> globalOptions;
  std::vector<Command> commands;
};

int runCli(const CliProgram& program, int argc, char** argv);

// Prints "<program>: <message>" to stderr and returns `code`.
int fail(const std::string& program, const std::string& message, int code = kExitFailure);

}  // namespace tillid
