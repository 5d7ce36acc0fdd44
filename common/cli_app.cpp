#include "common/cli_app.h"

#include <exception>
#include <iostream>

namespace tillid {
namespace {

const OptionSpec kHelp{"help", "", "show this help"};
const OptionSpec kVersion{"version", "", "print the version"};

void printHelp(const CliProgram& program) {
  std::cout << "usage: " << program.name << " [options] <command> [command options]\n\n"
            << program.description << "\n\ncommands:\n";
  for (const auto& c : program.commands) {
    std::cout << "  " << c.usage << std::string(c.usage.size() < 24 ? 24 - c.usage.size() : 1, ' ')
              << c.summary << "\n";
  }
  std::cout << "\noptions for every command:\n" << describeOptions(program.globalOptions);
  std::cout << "\n'" << program.name << " <command> --help' shows a command's own options.\n";
}

void printCommandHelp(const CliProgram& program, const Command& c) {
  std::cout << "usage: " << program.name << " " << c.usage << " [options]\n\n" << c.summary << "\n";
  if (!c.options.empty()) std::cout << "\noptions:\n" << describeOptions(c.options);
  std::cout << "\noptions for every command:\n" << describeOptions(program.globalOptions);
}

}  // namespace

int fail(const std::string& program, const std::string& message, int code) {
  std::cerr << program << ": " << message << "\n";
  return code;
}

int runCli(const CliProgram& program, int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<OptionSpec> globals = program.globalOptions;
    globals.push_back(kHelp);
    globals.push_back(kVersion);

    const auto name = findCommand(args, globals);
    if (!name) {
      auto parsed = parseArgs(args, globals, "");
      if (!parsed) return fail(program.name, parsed.status().message(), kExitUsage);
      if (parsed->has("version")) {
        std::cout << program.name << " " << TILLID_VERSION << "\n";
        return kExitOk;
      }
      printHelp(program);
      return parsed->has("help") ? kExitOk : kExitUsage;
    }
    const Command* command = nullptr;
    for (const auto& c : program.commands) {
      if (c.name == *name) command = &c;
    }
    if (command == nullptr) {
      return fail(program.name, "unknown command '" + *name + "' (see " + program.name + " --help)",
                  kExitUsage);
    }
    std::vector<OptionSpec> allowed = globals;
    allowed.insert(allowed.end(), command->options.begin(), command->options.end());
    auto parsed = parseArgs(args, allowed, *name);
    if (!parsed) return fail(program.name, parsed.status().message(), kExitUsage);
    if (parsed->has("help")) {
      printCommandHelp(program, *command);
      return kExitOk;
    }
    if (parsed->has("version")) {
      std::cout << program.name << " " << TILLID_VERSION << "\n";
      return kExitOk;
    }
    return command->run(*parsed);
  } catch (const std::exception& e) {
    return fail(program.name,
                std::string("internal error: ") + e.what() + " (please report this as a bug)",
                kExitInternal);
  }
}

}  // namespace tillid
