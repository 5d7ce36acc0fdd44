// The real tillid-agent binary: start, status, clean shutdown, daemon mode, side-by-side
// agents, configuration errors and the security log it writes.

#include <Poco/File.h>

#include <catch2/catch.hpp>

#include "tests/integration/agent/agent_helpers.h"

using namespace tillid::test;

TEST_CASE("run, status and a clean shutdown on SIGTERM or SIGINT", "[agent][process]") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  TempDir dir;
  const std::string state = dir.file("state");
  auto agent = startAgent(state);
  REQUIRE(agent->running());

  auto status = agentCommand(state, {"status"});
  CHECK(status.exitCode == 0);
  CHECK_THAT(status.out,
             Catch::Contains("running:       yes (pid " + std::to_string(agent->pid())));
  CHECK_THAT(status.out, Catch::Contains("audit head:    entry"));
  CHECK_THAT(status.out, Catch::Contains("state dir:     " + state));

  agent->signal(sig);
  CHECK(agent->wait() == 0);
  status = agentCommand(state, {"status"});
  CHECK(status.exitCode == 3);  // LSB: not running
  CHECK_THAT(status.out, Catch::Contains("running:       no"));

  auto db = openAgentDb(state);
  CHECK(queryText(db, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "agent.stop");
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='agent.start'") == "1");
  auto verify = agentCommand(state, {"audit", "verify"});
  CHECK(verify.exitCode == 0);
  CHECK_THAT(verify.out, Catch::Contains("security log intact"));
}

TEST_CASE("status --json carries the same facts", "[agent][process]") {
  TempDir dir;
  const std::string state = dir.file("state");
  auto agent = startAgent(state);
  auto status = agentCommand(state, {"status", "--json"});
  CHECK(status.exitCode == 0);
  CHECK_THAT(status.out, Catch::Contains("\"running\":true") &&
                             Catch::Contains("\"audit_head_seq\":") &&
                             Catch::Contains("\"last_write\":"));
}

TEST_CASE("agents run side by side in different state directories, never in one",
          "[agent][process]") {
  TempDir dir;
  auto first = startAgent(dir.file("a"));
  auto second = startAgent(dir.file("b"));
  CHECK(first->running());
  CHECK(second->running());

  auto third = runProgram(TILLID_AGENT_BIN, {"--state-dir", dir.file("a"), "run"});
  CHECK(third.exitCode == 2);
  CHECK_THAT(third.err, Catch::Contains("another agent (pid " + std::to_string(first->pid())));
  CHECK(first->running());
}

TEST_CASE("daemon mode detaches and the daemon stops cleanly on SIGTERM", "[agent][process]") {
  TempDir dir;
  const std::string state = dir.file("state");
  const std::string pidfile = dir.file("agent.pid");
  auto launcher =
      runProgram(TILLID_AGENT_BIN, withStateDir(state, {"run", "--daemon", "--pidfile", pidfile}));
  CHECK(launcher.exitCode == 0);
  REQUIRE(waitUntil([&] { return agentCommand(state, {"status"}).exitCode == 0; }));
  const int pid = std::stoi(readFile(pidfile));
  CHECK_THAT(agentCommand(state, {"status"}).out,
             Catch::Contains("yes (pid " + std::to_string(pid) + ")"));
  ::kill(pid, SIGTERM);
  REQUIRE(waitUntil([&] { return agentCommand(state, {"status"}).exitCode == 3; }));
  auto db = openAgentDb(state);
  CHECK(queryText(db, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "agent.stop");
}

TEST_CASE("a broken configuration never starts an agent and says why", "[agent][config]") {
  TempDir dir;
  const std::string state = dir.file("state");
  writeFile(dir.file("bad.json"), "{ \"store\": { \"batch_max_rows\": -5 } }");
  writeFile(dir.file("unknown.json"), "{ \"logging\": {} }");
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases{
      {{"--config", dir.file("bad.json"), "run"}, "store.batch_max_rows"},
      {{"--config", dir.file("unknown.json"), "run"}, "'logging': unknown key"},
      {{"--config", dir.file("missing.json"), "run"}, "cannot read the configuration file"},
      {{"--set", "log.level=loud", "run"}, "must be one of"},
      {{"run", "--bogus"}, "unknown option --bogus"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
  };
  for (const auto& c : cases) {
    auto result = runProgram(TILLID_AGENT_BIN, withStateDir(state, c.args));
    INFO(result.err);
    CHECK(result.exitCode == 2);
    CHECK_THAT(result.err, Catch::StartsWith("tillid-agent: ") && Catch::Contains(c.expected));
  }
  CHECK_FALSE(Poco::File(state + "/tillid.db").exists());  // nothing half-started
}

TEST_CASE("status on a state directory that does not exist says so and fails", "[agent][cli]") {
  TempDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"status", "--json"}}) {
    auto result = runProgram(TILLID_AGENT_BIN, withStateDir(dir.file("missing"), args));
    CHECK(result.exitCode == 1);
    CHECK_THAT(result.err, Catch::Contains("does not exist"));
    CHECK_THAT(result.out, !Catch::Contains("not enrolled"));
    CHECK_FALSE(Poco::File(dir.file("missing")).exists());
  }
}

TEST_CASE("help and version", "[agent][cli]") {
  auto help = runProgram(TILLID_AGENT_BIN, {"--help"});
  CHECK(help.exitCode == 0);
  CHECK_THAT(help.out, Catch::Contains("run") && Catch::Contains("status") &&
                           Catch::Contains("audit verify|show") && Catch::Contains("--state-dir"));
  auto version = runProgram(TILLID_AGENT_BIN, {"--version"});
  CHECK(version.exitCode == 0);
  CHECK_THAT(version.out, Catch::StartsWith("tillid-agent " TILLID_VERSION));
  auto commandHelp = runProgram(TILLID_AGENT_BIN, {"run", "--help"});
  CHECK(commandHelp.exitCode == 0);
  CHECK_THAT(commandHelp.out, Catch::Contains("--daemon"));
}

TEST_CASE("configuration changes between runs are security-log entries", "[agent][audit]") {
  TempDir dir;
  const std::string state = dir.file("state");
  auto run = [&](std::vector<std::string> extra) {
    auto agent = startAgent(state, std::move(extra));
    agent->signal(SIGTERM);
    REQUIRE(agent->wait() == 0);
  };
  run({});
  run({});  // unchanged: no new entry
  writeFile(dir.file("c.json"), "{\"store\": {\"batch_max_ms\": 250}}");
  run({"--config", dir.file("c.json"), "--set", "log.level=debug"});

  auto db = openAgentDb(state);
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='config.initial'") == "1");
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='config.changed'") == "1");
  const std::string details =
      queryText(db, "SELECT details FROM audit_log WHERE action='config.changed'");
  CHECK_THAT(details, Catch::Contains("\"changed_keys\":[\"log.level\",\"store.batch_max_ms\"]") &&
                          Catch::Contains(dir.file("c.json")));
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='agent.start'") == "3");
  CHECK(queryText(db, "SELECT count(*) FROM audit_log WHERE action='store.migrated'") != "0");
}

TEST_CASE("the first configuration entry names its --set overrides by key", "[agent][audit]") {
  TempDir dir;
  const std::string state = dir.file("state");
  auto agent = startAgent(state, {"--set", "store.batch_max_ms=250", "--set", "log.level=debug",
                                  "--set", "store.batch_max_ms=300"});
  agent->signal(SIGTERM);
  REQUIRE(agent->wait() == 0);
  auto db = openAgentDb(state);
  const std::string details =
      queryText(db, "SELECT details FROM audit_log WHERE action='config.initial'");
  CHECK_THAT(details, Catch::Contains("\"source\":\"defaults + --set\"") &&
                          Catch::Contains("\"store.batch_max_ms\",\"log.level\"]"));
}

TEST_CASE("audit verify finds tampering in the agent's own database", "[agent][audit]") {
  TempDir dir;
  const std::string state = dir.file("state");
  for (int i = 0; i < 2; ++i) {
    auto agent = startAgent(state);
    agent->signal(SIGTERM);
    REQUIRE(agent->wait() == 0);
  }
  {
    auto db = tillid::store::Database::open(state + "/tillid.db",
                                            tillid::store::OpenMode::kReadWriteCreate);
    REQUIRE(db.isOk());
    REQUIRE(db->exec("UPDATE audit_log SET actor='someone else' WHERE seq=2").isOk());
  }
  auto verify = agentCommand(state, {"audit", "verify"});
  CHECK(verify.exitCode == 1);
  CHECK_THAT(verify.out, Catch::Contains("BROKEN: entry 2 edited"));
  auto json = agentCommand(state, {"audit", "verify", "--json"});
  CHECK_THAT(json.out,
             Catch::Contains("\"intact\":false") && Catch::Contains("\"problem\":\"edited\""));
}

TEST_CASE("a corrupt database is moved aside, recorded and shown by status", "[agent][recovery]") {
  TempDir dir;
  const std::string state = dir.file("state");
  Poco::File(state).createDirectories();
  writeFile(state + "/tillid.db", std::string(16384, '\x07'));
  auto agent = startAgent(state);
  REQUIRE(agent->running());
  auto status = agentCommand(state, {"status"});
  CHECK_THAT(status.out, Catch::Contains("last recovery: ") && Catch::Contains(".corrupt-"));
  auto db = openAgentDb(state);
  const std::string moved = queryText(db,
                                      "SELECT json_extract(details, '$.moved_to') FROM audit_log "
                                      "WHERE action='store.recovered'");
  REQUIRE_FALSE(moved.empty());
  CHECK(readFile(moved) == std::string(16384, '\x07'));  // kept, never deleted
}
