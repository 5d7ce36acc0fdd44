// Each offboarding step's handler against fakes of the platform (tests/support/fakes/):
// what it does, what its verification finds, and what it does when the platform fails
// half way or reports an error. The database is the real agent schema in a temporary file.

#include "agent/offboard/step_handler.h"

#include <Poco/JSON/Object.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "agent/service/schema.h"
#include "common/canonical_json.h"
#include "store/store.h"
#include "tests/support/fakes/fake_platform.h"
#include "tests/support/temp_dir.h"

namespace tillid::offboard {
namespace {

using test::FakePlatform;
using test::TempDir;

// One run with the plan the test gives, its handlers' context and the fakes behind it.
class StepBench {
 public:
  explicit StepBench(std::vector<PlanStep> plan) {
    auto opened = store::openStore(dir_.file("agent.db"), agentSchemaModules());
    REQUIRE(opened.isOk());
    db_ = std::move(opened->db);
    settings_.stateDir = dir_.file("state");
    settings_.offboard.bufferBytes = 4096;
    settings_.offboard.pattern = platform::OverwritePattern::kRandom;
    settings_.offboard.verification = platform::VerificationMode::kFull;
    settings_.offboard.sessionGrace = std::chrono::milliseconds(0);
    settings_.offboard.sssdStopCommand = "systemctl stop sssd";
    settings_.platform = fakes.platform();
    run_.patternKeyHex = std::string(64, 'a');
    run_.sampleSeed = 7;
    for (size_t i = 0; i < plan.size(); ++i) {
      StepRecord step;
      step.index = static_cast<int>(i);
      step.step = plan[i];
      steps_.push_back(step);
    }
  }

  StepRecord& step(size_t i) { return steps_[i]; }
  const TempDir& dir() const { return dir_; }
  store::Database& db() { return db_; }

  Status act(size_t i) {
    StepContext context = makeContext();
    return stepHandler(steps_[i].step.kind).act(context, steps_[i]);
  }
  Status verify(size_t i) {
    StepContext context = makeContext();
    return stepHandler(steps_[i].step.kind).verify(context, steps_[i]);
  }

  // A field of the step's recorded result or verification.
  template <typename T>
  static T field(const std::string& json, const std::string& name) {
    auto parsed = parseJsonObject(json);
    REQUIRE(parsed.isOk());
    REQUIRE((*parsed)->has(name));
    return (*parsed)->getValue<T>(name);
  }

  FakePlatform fakes;
  std::vector<uint64_t> checkpoints;  // what the handler reported as progress

 private:
  StepContext makeContext() {
    return StepContext{
        settings_, db_, run_, steps_, nullptr, [this](StepRecord& step, uint64_t done, uint64_t) {
          step.progressDone = static_cast<int64_t>(done);
          checkpoints.push_back(done);
        }};
  }

  TempDir dir_;
  store::Database db_;
  EngineSettings settings_;
  RunRecord run_;
  std::vector<StepRecord> steps_;
};

PlanStep step(StepKind kind, std::string target, std::string param = "") {
  return PlanStep{kind, std::move(target), "", std::move(param)};
}

platform::Account account(const std::string& name, uint32_t uid) {
  return platform::Account{{std::to_string(uid)}, name, "/home/" + name, "/bin/bash", false, true};
}

TEST_CASE("erase-files: the tree is erased and checked absent", "[offboard]") {
  StepBench bench({step(StepKind::kEraseFiles, "/home/anna")});
  auto& files = bench.fakes.files->files;
  files = {{"/home/anna/a.txt", "12345"}, {"/home/anna/docs/b", "xy"}, {"/home/bob/c", "z"}};
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "files_overwritten") == 2);
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "bytes_overwritten") == 7);
  CHECK(files.count("/home/bob/c") == 1);  // not a target
  REQUIRE(bench.verify(0).isOk());
  CHECK(StepBench::field<bool>(bench.step(0).verificationJson, "passed"));
}

TEST_CASE("erase-files: an erase that fails half way is run again whole", "[offboard]") {
  StepBench bench({step(StepKind::kEraseFiles, "/home/anna")});
  auto& eraser = *bench.fakes.files;
  eraser.files = {{"/home/anna/1", "a"}, {"/home/anna/2", "b"}, {"/home/anna/3", "c"}};
  eraser.failAfterFiles = 1;
  const Status first = bench.act(0);
  CHECK(first.code() == ErrorCode::kIo);
  CHECK(eraser.files.size() == 2);  // one erased before the device failed
  eraser.failAfterFiles.reset();
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "files_overwritten") == 2);
  CHECK(bench.verify(0).isOk());
}

TEST_CASE("erase-files: the verification finds a file left behind", "[offboard]") {
  StepBench bench({step(StepKind::kEraseFiles, "/home/anna")});
  auto& eraser = *bench.fakes.files;
  eraser.files = {{"/home/anna/kept", "one byte"}};
  eraser.leftBehind = {"/home/anna/kept"};
  REQUIRE(bench.act(0).isOk());
  const Status checked = bench.verify(0);
  CHECK(checked.code() == ErrorCode::kCorrupt);
  CHECK(!StepBench::field<bool>(bench.step(0).verificationJson, "absent"));
  CHECK(!StepBench::field<bool>(bench.step(0).verificationJson, "passed"));
}

TEST_CASE("erase-files: the agent's own state directory is refused", "[offboard]") {
  StepBench bench({step(StepKind::kEraseFiles, "/home/anna")});
  bench.step(0).step.target = bench.dir().path();  // holds the state directory
  bench.fakes.files->files = {{bench.dir().file("state/device.key"), "key"}};
  CHECK(bench.act(0).code() == ErrorCode::kPermission);
  CHECK(bench.fakes.files->exists(bench.dir().file("state")));
}

TEST_CASE("erase-files: a directory cache is stopped first, and its failure stops the step",
          "[offboard]") {
  StepBench bench({step(StepKind::kEraseFiles, "/var/lib/sss/db", "sssd:example.org")});
  auto& cache = *bench.fakes.directoryCache;
  cache.running = true;
  bench.fakes.files->files = {{"/var/lib/sss/db/cache_example.org.ldb", "hash"}};
  cache.failure = Status::error(ErrorCode::kInternal, "'systemctl stop sssd' failed");
  CHECK(bench.act(0).code() == ErrorCode::kInternal);
  CHECK(bench.fakes.files->exists("/var/lib/sss/db"));  // nothing erased under a live daemon
  cache.failure = Status::ok();
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<bool>(bench.step(0).resultJson, "sssd_stopped_now"));
  CHECK(cache.commands.size() == 2);
  CHECK(bench.verify(0).isOk());
}

TEST_CASE("overwrite-block: the pattern is written with checkpoints and read back", "[offboard]") {
  StepBench bench({step(StepKind::kOverwriteBlock, "/dev/fake0")});
  bench.fakes.blockDevices->media["/dev/fake0"] = std::vector<uint8_t>(64 << 10, 0x5a);
  REQUIRE(bench.act(0).isOk());
  CHECK(bench.checkpoints.size() == 16);
  CHECK(bench.checkpoints.back() == 64u << 10);
  CHECK(StepBench::field<uint64_t>(bench.step(0).resultJson, "size_bytes") == 64u << 10);
  CHECK(StepBench::field<uint64_t>(bench.step(0).resultJson, "resumed_at") == 0);
  REQUIRE(bench.verify(0).isOk());
  CHECK(StepBench::field<uint64_t>(bench.step(0).verificationJson, "bytes_read") == 64u << 10);
}

TEST_CASE(
    "overwrite-block: a device error half way fails the step, which resumes at its "
    "last checkpoint",
    "[offboard]") {
  StepBench bench({step(StepKind::kOverwriteBlock, "/dev/fake0")});
  auto& devices = *bench.fakes.blockDevices;
  devices.media["/dev/fake0"] = std::vector<uint8_t>(64 << 10, 0x5a);
  devices.failAtOffset = 40000;
  const Status failed = bench.act(0);
  CHECK(failed.code() == ErrorCode::kIo);
  CHECK_THAT(failed.message(), Catch::Contains("I/O error"));
  CHECK(bench.step(0).progressDone == 36864);  // nine buffers made it
  devices.failAtOffset.reset();
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<uint64_t>(bench.step(0).resultJson, "resumed_at") == 36864);
  CHECK(bench.verify(0).isOk());
}

TEST_CASE("overwrite-block: the verification finds a byte the overwrite left", "[offboard]") {
  StepBench bench({step(StepKind::kOverwriteBlock, "/dev/fake0")});
  auto& devices = *bench.fakes.blockDevices;
  devices.media["/dev/fake0"] = std::vector<uint8_t>(64 << 10, 0x5a);
  devices.stuckBytes = {50000};
  REQUIRE(bench.act(0).isOk());
  const Status checked = bench.verify(0);
  CHECK(checked.code() == ErrorCode::kCorrupt);
  CHECK_THAT(checked.message(), Catch::Contains("50000"));
  CHECK(!StepBench::field<bool>(bench.step(0).verificationJson, "passed"));
}

TEST_CASE("crypto-erase: the header size is recorded first, so a resumed erase covers it",
          "[offboard]") {
  StepBench bench({step(StepKind::kCryptoEraseLuks, "/dev/fake-luks")});
  auto& volumes = *bench.fakes.volumes;
  volumes.add("/dev/fake-luks");
  volumes.failAfterKeyslots = true;
  CHECK(bench.act(0).code() == ErrorCode::kIo);
  CHECK(StepBench::field<uint64_t>(bench.step(0).resultJson, "header_bytes") == 16u << 20);
  // Half erased: no header loads any more, yet the retry knows how much to overwrite.
  volumes.volumes["/dev/fake-luks"].header = false;
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<uint64_t>(bench.step(0).resultJson, "header_bytes_overwritten") ==
        16u << 20);
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "keyslots_active") == 2);
  REQUIRE(bench.verify(0).isOk());
}

TEST_CASE("crypto-erase: the verification finds a header that survived", "[offboard]") {
  StepBench bench({step(StepKind::kCryptoEraseLuks, "/dev/fake-luks")});
  bench.fakes.volumes->add("/dev/fake-luks");
  bench.fakes.volumes->headerSurvives = {"/dev/fake-luks"};
  REQUIRE(bench.act(0).isOk());
  const Status checked = bench.verify(0);
  CHECK(checked.code() == ErrorCode::kCorrupt);
  CHECK_THAT(checked.message(), Catch::Contains("header still loads"));
}

TEST_CASE("crypto-erase: a volume without a header is an error before anything is destroyed",
          "[offboard]") {
  StepBench bench({step(StepKind::kCryptoEraseLuks, "/dev/plain")});
  CHECK(bench.act(0).code() == ErrorCode::kNotFound);
}

TEST_CASE("lock-account and remove-account: changed, then read back", "[offboard]") {
  StepBench bench({step(StepKind::kLockAccount, "anna"), step(StepKind::kRemoveAccount, "anna")});
  auto& accounts = *bench.fakes.accounts;
  accounts.add(account("anna", 1001));
  accounts.add(account("bob", 1002));
  REQUIRE(bench.act(0).isOk());
  REQUIRE(bench.verify(0).isOk());
  CHECK(StepBench::field<bool>(bench.step(0).verificationJson, "locked"));
  REQUIRE(bench.act(1).isOk());
  REQUIRE(bench.verify(1).isOk());
  CHECK(!accounts.find("anna"));
  CHECK(accounts.find("bob"));
}

TEST_CASE("lock-account: a failed write fails the step, and a lock that did not hold is found",
          "[offboard]") {
  StepBench bench({step(StepKind::kLockAccount, "anna")});
  auto& accounts = *bench.fakes.accounts;
  accounts.add(account("anna", 1001));
  accounts.failAfter = 0;
  CHECK(bench.act(0).code() == ErrorCode::kIo);
  CHECK(!accounts.find("anna")->locked);
  // The account database cannot be read back: the check itself fails, nothing is recorded.
  accounts.listFailure = Status::error(ErrorCode::kIo, "passwd unreadable");
  CHECK(bench.verify(0).code() == ErrorCode::kIo);
  CHECK(bench.step(0).verificationJson == "{}");
  accounts.listFailure = Status::ok();
  CHECK(bench.verify(0).code() == ErrorCode::kCorrupt);
  CHECK(!StepBench::field<bool>(bench.step(0).verificationJson, "locked"));
}

TEST_CASE("remove-account: an account that came back is found", "[offboard]") {
  StepBench bench({step(StepKind::kRemoveAccount, "anna")});
  auto& accounts = *bench.fakes.accounts;
  accounts.add(account("anna", 1001));
  REQUIRE(bench.act(0).isOk());
  accounts.add(account("anna", 1001));
  CHECK(bench.verify(0).code() == ErrorCode::kCorrupt);
  CHECK(StepBench::field<bool>(bench.step(0).verificationJson, "present"));
}

TEST_CASE("end-sessions: polite and stubborn processes end, and a racing login is ended too",
          "[offboard]") {
  StepBench bench({step(StepKind::kEndSessions, "anna", "1001")});
  auto& sessions = *bench.fakes.sessions;
  sessions.users[{"1001"}] = {2, 1, 1, 1};
  sessions.users[{"1002"}] = {3, 0, 0, 0};
  REQUIRE(bench.act(0).isOk());
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "processes_sent_sigterm") == 3);
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "processes_sent_sigkill_after_grace") == 1);
  CHECK(sessions.users[{"1001"}].polite == 1);  // logged in again meanwhile
  REQUIRE(bench.verify(0).isOk());
  CHECK(StepBench::field<int>(bench.step(0).verificationJson, "remaining_processes") == 0);
  CHECK(sessions.users[{"1002"}].polite == 3);  // not a target
}

TEST_CASE("end-sessions: an error from the system fails the step, and root is refused",
          "[offboard]") {
  StepBench bench({step(StepKind::kEndSessions, "anna", "1001")});
  bench.fakes.sessions->failure = Status::error(ErrorCode::kIo, "proc unreadable");
  CHECK(bench.act(0).code() == ErrorCode::kIo);
  CHECK(bench.verify(0).code() == ErrorCode::kIo);
  CHECK(bench.step(0).verificationJson == "{}");
  StepBench root({step(StepKind::kEndSessions, "root", "0")});
  CHECK(root.act(0).code() == ErrorCode::kInvalidArgument);
}

int64_t personalRows(store::Database& db) {
  int64_t rows = 0;
  for (const std::string& source : personalRowSources()) {
    auto count = db.queryText("SELECT count(*) FROM " + source);
    REQUIRE(count.isOk());
    rows += std::stoll(count->value_or("0"));
  }
  return rows;
}

void insertUsage(store::Database& db, const std::string& destination) {
  auto insert = db.prepare(
      "INSERT INTO usage_hourly(hour, user, application, destination, service, category,"
      " connections, bytes_in, bytes_out, active_seconds)"
      " VALUES('2026-05-29T15:00:00Z', 'anna', 'firefox', ?1, 'TLS', 'Web', 1, 100, 10, 1)");
  REQUIRE(insert.isOk());
  REQUIRE(insert->bind(1, destination).run().isOk());
}

TEST_CASE("erase-agent-data: personal rows are deleted and counted back", "[offboard]") {
  StepBench bench({step(StepKind::kEraseAgentData, "agent.db")});
  insertUsage(bench.db(), "a.example");
  insertUsage(bench.db(), "b.example");
  REQUIRE(personalRows(bench.db()) == 2);
  REQUIRE(bench.act(0).isOk());
  CHECK(personalRows(bench.db()) == 0);
  REQUIRE(bench.verify(0).isOk());
  // A row written after the erase is what the check exists for.
  insertUsage(bench.db(), "late.example");
  const Status checked = bench.verify(0);
  CHECK(checked.code() == ErrorCode::kCorrupt);
  CHECK(StepBench::field<int>(bench.step(0).verificationJson, "rows_left") == 1);
}

TEST_CASE("certificate: without a device key nothing is signed or queued", "[offboard]") {
  StepBench bench({step(StepKind::kCertificate, "collector")});
  CHECK(bench.act(0).code() == ErrorCode::kNotFound);
  auto queued = bench.db().queryText("SELECT count(*) FROM outbox WHERE kind = 'certificate'");
  REQUIRE(queued.isOk());
  CHECK(queued->value_or("0") == "0");
  CHECK(!bench.verify(0).isOk());
  CHECK(bench.step(0).verificationJson == "{}");
}

TEST_CASE("final-command: its exit status is the verification", "[offboard]") {
  StepBench bench({step(StepKind::kFinalCommand, "exit 3")});
  bench.fakes.commands->exitCodes["exit 3"] = 3;
  REQUIRE(bench.act(0).isOk());
  CHECK(bench.fakes.commands->ran() == std::vector<std::string>{"exit 3"});
  CHECK(StepBench::field<int>(bench.step(0).resultJson, "exit_code") == 3);
  const Status checked = bench.verify(0);
  CHECK(checked.code() == ErrorCode::kIo);  // a failure, not something left behind
  CHECK_THAT(checked.message(), Catch::Contains("exited with 3"));
  StepBench ok({step(StepKind::kFinalCommand, "true")});
  REQUIRE(ok.act(0).isOk());
  CHECK(ok.verify(0).isOk());
}

TEST_CASE("final-command: an interpreter that cannot start fails the step as I/O", "[offboard]") {
  StepBench bench({step(StepKind::kFinalCommand, "reboot")});
  bench.fakes.commands->failure = Status::error(ErrorCode::kIo, "cannot start the interpreter");
  CHECK(bench.act(0).code() == ErrorCode::kIo);
  CHECK(bench.step(0).resultJson == "{}");
}

}  // namespace
}  // namespace tillid::offboard
