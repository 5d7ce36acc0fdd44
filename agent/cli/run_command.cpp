// `tillid-agent run`: the service itself, in the foreground or as a daemon, on Poco's
// ServerApplication (which handles --daemon and waits for SIGTERM/SIGINT).

#include <Poco/Util/ServerApplication.h>

#include <iostream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/service/agent.h"
#include "common/logging.h"
#include "platform/private_files.h"
#include "platform/system_log.h"
#include "platform/termination_signals.h"

namespace tillid::cli {
namespace {

class AgentServerApp final : public Poco::Util::ServerApplication {
 public:
  explicit AgentServerApp(AgentContext context) : context_(std::move(context)) {}

 protected:
  int main(const std::vector<std::string>&) override {
    setupLogging(context_.config.string("log.target"), context_.config.string("log.level"),
                 kProgram, platform::systemLogChannel);
    // Before any thread starts: a stop request during start-up then waits for
    // waitForTerminationRequest() instead of killing the agent half started.
    platform::holdTerminationRequests();
    auto agent = Agent::start(context_.config, context_.paths, context_.platform);
    if (!agent) {
      tillid::logger("agent").critical("cannot start: " + agent.status().message());
      std::cerr << kProgram << ": cannot start: " << agent.status().message() << "\n";
      return agent.status().code() == ErrorCode::kConflict ? kExitUsage : kExitFailure;
    }
    waitForTerminationRequest();
    (*agent)->stop("termination request");
    return kExitOk;
  }

 private:
  AgentContext context_;
};

int run(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  // The state directory holds the database and the device's keys: only the service's
  // account may enter it.
  if (Status prepared = platform::preparePrivateDirectory(context->paths.root); !prepared.isOk()) {
    return fail(kProgram, "cannot use the state directory " + context->paths.root + ": " +
                              prepared.message() + " (choose another with --state-dir)");
  }
  // Poco parses its own options (--daemon, --pidfile) from this argument list.
  std::vector<std::string> serverArgs{kProgram};
  if (args.has("daemon")) serverArgs.emplace_back("--daemon");
  if (auto pidfile = args.value("pidfile")) serverArgs.push_back("--pidfile=" + *pidfile);
  AgentServerApp app(std::move(*context));
  return app.run(serverArgs);
}

}  // namespace

Command runCommand() {
  return {"run",
          "run",
          "run the agent (in the foreground unless --daemon)",
          {{"daemon", "", "detach and run in the background"},
           {"pidfile", "FILE", "with --daemon: write the process id to FILE"}},
          run};
}

}  // namespace tillid::cli
