#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"

int main(int argc, char** argv) {
  using namespace tillid;
  const CliProgram program{
      cli::kProgram,
      "Tillid endpoint agent: records internet-usage metadata (never content) in a local,\n"
      "tamper-evident security log and reports to the central collector.",
      cli::agentGlobalOptions(),
      {cli::runCommand(), cli::statusCommand(), cli::auditCommand(), cli::usageCommand(),
       cli::noticeCommand(), cli::flagsCommand(), cli::sessionsCommand(), cli::replayCommand(),
       cli::enrollCommand(), cli::offboardCommand(), cli::myDataCommand()}};
  return runCli(program, argc, argv);
}
