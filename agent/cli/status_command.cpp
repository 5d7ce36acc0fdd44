// `tillid-agent status`: is an agent running on this state directory, and what does its
// store say. Reads the database without taking the writer's place.

#include <Poco/File.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "agent/audit/audit_log.h"
#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/report/report_status.h"
#include "platform/instance_lock.h"
#include "platform/process_lister.h"
#include "store/store.h"

namespace tillid::cli {
namespace {

int64_t fileSize(const std::string& path) {
  Poco::File f(path);
  return f.exists() ? static_cast<int64_t>(f.getSize()) : 0;
}

std::string humanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit++;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buffer;
}

// Facts read from the store; absent ones stay empty.
Status readStoreFacts(const StatePaths& paths, Poco::JSON::Object& out) {
  if (!Poco::File(paths.database()).exists()) return Status::ok();
  auto db = store::Database::open(paths.database(), store::OpenMode::kReadOnly);
  if (!db) return db.status();
  auto lastWrite = store::getMeta(*db, "last_write");
  if (lastWrite && lastWrite->has_value()) out.set("last_write", **lastWrite);
  auto recovery = store::getMeta(*db, "last_recovery");
  if (recovery && recovery->has_value()) out.set("last_recovery", **recovery);
  for (const auto& [key, field] : {std::pair{store::kMetaLostWrites, "lost_writes"},
                                   {store::kMetaLastLostWrite, "last_lost_write"},
                                   {store::kMetaDelayedCommits, "delayed_commits"},
                                   {store::kMetaLastDelayedCommit, "last_delayed_commit"}}) {
    auto value = store::getMeta(*db, key);
    if (value && value->has_value()) out.set(field, **value);
  }
  auto head = audit::head(*db);
  if (!head) return head.status();
  if (head->has_value()) {
    out.set("audit_head_seq", (*head)->seq);
    out.set("audit_head_hash", (*head)->hash);
  }
  auto health =
      db->prepare("SELECT time, rss_bytes, cpu_us FROM health_samples ORDER BY id DESC LIMIT 1");
  if (health) {
    auto row = health->step();
    if (row && *row) {
      out.set("health_time", health->text(0));
      out.set("rss_bytes", health->int64(1));
      out.set("cpu_us", health->int64(2));
    }
  }
  report::addReportFacts(paths.root, *db, out);
  return Status::ok();
}

void printText(const Poco::JSON::Object& s) {
  auto line = [](const std::string& label, const std::string& value) {
    std::cout << label << std::string(label.size() < 15 ? 15 - label.size() : 1, ' ') << value
              << "\n";
  };
  const bool running = s.getValue<bool>("running");
  line("running:", running ? "yes (pid " + std::to_string(s.getValue<int>("pid")) + ")" : "no");
  line("version:", s.getValue<std::string>("version"));
  line("config:", s.getValue<std::string>("config"));
  line("state dir:", s.getValue<std::string>("state_dir"));
  line("monitoring:", s.getValue<std::string>("monitoring"));
  line("database:", s.getValue<std::string>("database") + " (" +
                        humanBytes(s.getValue<int64_t>("database_bytes")) + ")");
  line("last write:", s.has("last_write") ? s.getValue<std::string>("last_write") : "never");
  line("audit head:", s.has("audit_head_seq")
                          ? "entry " + std::to_string(s.getValue<int64_t>("audit_head_seq")) +
                                ", " + s.getValue<std::string>("audit_head_hash")
                          : "empty");
  if (s.has("rss_bytes")) {
    line("resources:", humanBytes(s.getValue<int64_t>("rss_bytes")) + " resident, " +
                           std::to_string(s.getValue<int64_t>("cpu_us") / 1000) + " ms CPU (at " +
                           s.getValue<std::string>("health_time") + ")");
  }
  line("last recovery:",
       s.has("last_recovery") ? s.getValue<std::string>("last_recovery") : "none");
  line("lost writes:", s.has("lost_writes") ? s.getValue<std::string>("lost_writes") + " (last " +
                                                  s.getValue<std::string>("last_lost_write") + ")"
                                            : "none");
  if (s.has("delayed_commits")) {
    line("delayed writes:", s.getValue<std::string>("delayed_commits") + " commits (last " +
                                s.getValue<std::string>("last_delayed_commit") + ")");
  }
  for (const auto& [label, value] : report::describeReportFacts(s)) line(label, value);
  if (s.has("store_error")) line("store error:", s.getValue<std::string>("store_error"));
}

// True when the caller may not enter the state directory: an ordinary user on a device
// where the service keeps it readable by root only.
bool stateDirectoryClosed(const std::string& root) {
  std::error_code ec;
  std::filesystem::directory_iterator probe(root, ec);
  return ec == std::errc::permission_denied;
}

// The state directory an agent process was started with: its --state-dir, else the
// default (a --config file naming another one is out of an ordinary user's sight).
std::string stateDirectoryOf(const std::vector<std::string>& args, const std::string& defaultDir) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--state-dir" && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--state-dir=", 0) == 0) return args[i].substr(12);
  }
  return defaultDir;
}

// What any user may know without the state directory: whether an agent runs on it (seen
// among the processes, since the lock is out of reach) and this program's version.
int publicStatus(const AgentContext& context, bool json) {
  const StatePaths& paths = context.paths;
  std::optional<int> pid;
  for (const auto& process : platform::processesNamed(kProgram)) {
    const auto& args = process.args;
    if (std::find(args.begin(), args.end(), "run") != args.end() &&
        stateDirectoryOf(args, context.config.string("state_dir")) == paths.root) {
      pid = process.pid;
      break;
    }
  }
  const std::string details = "need root (" + paths.root + " is readable by root only)";
  if (json) {
    Poco::JSON::Object s;
    s.set("running", pid.has_value());
    if (pid) s.set("pid", *pid);
    s.set("version", TILLID_VERSION);
    s.set("state_dir", paths.root);
    s.set("details", details);
    s.stringify(std::cout);
    std::cout << "\n";
  } else {
    std::cout << "running:       " << (pid ? "yes (pid " + std::to_string(*pid) + ")" : "no")
              << "\nversion:       " << TILLID_VERSION << "\nstate dir:     " << paths.root
              << "\ndetails:       " << details << "\n";
  }
  return pid ? kExitOk : kExitNotRunning;
}

int status(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  const StatePaths& paths = context->paths;
  if (stateDirectoryClosed(paths.root)) return publicStatus(*context, args.has("json"));
  if (!Poco::File(paths.root).exists()) {
    // Nothing to report on: saying "0 B, not enrolled" would hide a mistyped --state-dir.
    return fail(kProgram,
                "the state directory " + paths.root +
                    " does not exist: no agent has run with it (check --state-dir)",
                kExitFailure);
  }

  Poco::JSON::Object s;
  const auto holder = context->platform.instanceLocks->holder(paths.lock());
  s.set("running", holder.has_value());
  if (holder) s.set("pid", *holder);
  s.set("version", TILLID_VERSION);
  s.set("config", context->config.sourceFile().empty() ? std::string("(built-in defaults)")
                                                       : context->config.sourceFile());
  s.set("state_dir", paths.root);
  const std::string effectiveFrom = context->config.string("monitoring.effective_from");
  s.set("monitoring", effectiveFrom.empty()
                          ? std::string("no effective date set (monitoring.effective_from): "
                                        "nothing is recorded")
                          : "recording from " + effectiveFrom);
  s.set("database", paths.database());
  s.set("database_bytes", fileSize(paths.database()) + fileSize(paths.database() + "-wal"));
  Status facts = readStoreFacts(paths, s);
  if (!facts.isOk()) s.set("store_error", facts.message());

  if (args.has("json")) {
    s.stringify(std::cout);
    std::cout << "\n";
  } else {
    printText(s);
  }
  return holder ? kExitOk : kExitNotRunning;
}

}  // namespace

Command statusCommand() {
  return {"status",
          "status",
          "is the agent running; version, config, store size, last write, audit head",
          {{"json", "", "print JSON"}},
          status};
}

}  // namespace tillid::cli
