#include "agent/cli/agent_context.h"

#include <Poco/File.h>
#include <Poco/Path.h>

#include "agent/core/agent_config.h"
#include "agent/offboard/offboard_settings.h"

namespace tillid::cli {

std::vector<OptionSpec> agentGlobalOptions() {
  return {
      {"config", "FILE", "configuration file (JSON; keys override the built-in defaults)"},
      {"state-dir", "DIR", "where the database, keys and logs live"},
      {"set", "KEY=VALUE", "override one configuration key, e.g. --set log.level=debug"},
  };
}

Result<AgentContext> loadAgentContext(const ParsedArgs& args) {
  std::vector<std::string> overrides = args.values("set");
  auto config = loadAgentConfig(args.value("config"), overrides);
  if (!config) return config.status();
  std::string dir = args.value("state-dir").value_or(config->string("state_dir"));
  if (dir.empty()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "the state directory is empty; "
                         "give --state-dir DIR");
  }
  // Absolute, because a daemon changes its working directory to "/".
  Poco::Path path(dir);
  path.makeAbsolute();
  std::string root = path.toString();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  auto platform = platform::makePlatform(offboard::offboardSettings(*config).rootPrefix);
  return AgentContext{std::move(*config), StatePaths{root}, std::move(platform)};
}

Result<store::Database> openStateDatabase(const StatePaths& paths) {
  if (!Poco::File(paths.database()).exists()) {
    return Status::error(ErrorCode::kNotFound, "no database in " + paths.root +
                                                   " (has an agent run with this --state-dir?)");
  }
  return store::Database::open(paths.database(), store::OpenMode::kReadOnly);
}

}  // namespace tillid::cli
