#pragma once
// Command-line parsing shared by tillid-agent, tillid-collector and tillid-admin:
// `program [global options] <command> [words] [options]`, options anywhere, as
// `--name value` or `--name=value`. Unknown options are errors that say what to do.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid {

struct OptionSpec {
  std::string name;       // without the leading dashes
  std::string valueName;  // empty for a flag without a value
  std::string help;
};

class ParsedArgs {
 public:
  std::vector<std::string> words;  // positional words after the command name

  bool has(const std::string& name) const { return options_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;
  void add(const std::string& name, const std::string& value) { options_[name].push_back(value); }

 private:
  std::map<std::string, std::vector<std::string>> options_;
};

// Finds the command name: the first word that is not an option or an option's value.
std::optional<std::string> findCommand(const std::vector<std::string>& args,
                                       const std::vector<OptionSpec>& globalOptions);

// Parses everything after the program name against the allowed options; the command
// name itself is removed from `words`.
Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& allowed, const std::string& command);

// "  --name VALUE   help" lines for --help output.
std::string describeOptions(const std::vector<OptionSpec>& options);

}  // namespace tillid
