#include "common/command_line.h"

#include <algorithm>

namespace tillid {
namespace {

const OptionSpec* findSpec(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const auto& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool isOption(const std::string& arg) {
  return arg.size() > 2 && arg.rfind("--", 0) == 0;
}

}  // namespace

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  auto it = options_.find(name);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::string> findCommand(const std::vector<std::string>& args,
                                       const std::vector<OptionSpec>& globalOptions) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!isOption(arg)) return arg;
    const std::string name = arg.substr(2, arg.find('=') - 2);
    const OptionSpec* spec = findSpec(globalOptions, name);
    if (spec != nullptr && !spec->valueName.empty() && arg.find('=') == std::string::npos) ++i;
  }
  return std::nullopt;
}

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& allowed, const std::string& command) {
  ParsedArgs parsed;
  bool commandSeen = command.empty();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!isOption(arg)) {
      if (!commandSeen && arg == command) {
        commandSeen = true;
      } else {
        parsed.words.push_back(arg);
      }
      continue;
    }
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* spec = findSpec(allowed, name);
    const std::string where = command.empty() ? "" : " for '" + command + "'";
    if (spec == nullptr) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "unknown option --" + name + where + " (see --help)");
    }
    if (spec->valueName.empty()) {
      if (eq != std::string::npos) {
        return Status::error(ErrorCode::kInvalidArgument, "option --" + name + " takes no value");
      }
      parsed.add(name, "");
      continue;
    }
    if (eq != std::string::npos) {
      parsed.add(name, arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      parsed.add(name, args[++i]);
    } else {
      return Status::error(ErrorCode::kInvalidArgument, "option --" + name + " needs a value: --" +
                                                            name + " " + spec->valueName);
    }
  }
  return parsed;
}

std::string describeOptions(const std::vector<OptionSpec>& options) {
  size_t width = 0;
  for (const auto& o : options) {
    width = std::max(width, o.name.size() + (o.valueName.empty() ? 0 : o.valueName.size() + 1));
  }
  std::string out;
  for (const auto& o : options) {
    std::string left = "--" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
    out += "  " + left + std::string(width + 4 - left.size() + 2, ' ') + o.help + "\n";
  }
  return out;
}

}  // namespace tillid
