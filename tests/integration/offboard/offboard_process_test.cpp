// The verified device reset through the real tillid-agent: dry run, order checks, and
// a run killed with SIGKILL at every step boundary and in the middle of a long overwrite,
// restarted until it completes, with the certificate checked at the end.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/canonical_json.h"
#include "common/time.h"
#include "protocol/sanitization_signature.h"
#include "store/database.h"
#include "tests/integration/offboard/offboard_fixture.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

void writeImage(const std::string& path, uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(1 << 20, 'x');
  for (uint64_t done = 0; done < bytes; done += chunk.size()) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
}

std::string runCertificate(const std::string& database) {
  auto db = store::Database::open(database, store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  auto text = db->queryText("SELECT certificate FROM offboard_run");
  REQUIRE(text.isOk());
  return text->value_or("");
}

int64_t overwriteProgress(const std::string& database, int64_t& total) {
  auto db = store::Database::open(database, store::OpenMode::kReadOnly);
  if (!db) return -1;
  auto q = db->prepare(
      "SELECT progress_done, progress_total FROM offboard_steps WHERE kind = 'overwrite-block'"
      " AND state = 'running'");
  if (!q) return -1;
  auto row = q->step();
  if (!row || !*row) return -1;
  total = q->int64(1);
  return q->int64(0);
}

TEST_CASE("offboard plan is a dry run that erases nothing", "[offboard]") {
  OffboardDevice device;
  const std::string image = device.dir().file("disk.img");
  writeImage(image, 8 << 20);
  device.sets.push_back("offboard.block_devices=[\"" + image + "\"]");
  const auto before = device.checksums();
  for (const char* profile : {"user-data", "full"}) {
    auto plan = device.agent({"offboard", "plan", "--profile", profile});
    INFO(plan.err);
    REQUIRE(plan.exitCode == 0);
    CHECK(plan.out.find("DRY RUN") != std::string::npos);
    CHECK(plan.out.find("lock-account  alice") != std::string::npos);
    CHECK(plan.out.find("remove-account  bob") != std::string::npos);
    CHECK(plan.out.find("/home/alice/.ssh") != std::string::npos);
    CHECK(plan.out.find(device.root() + "/var/mail/alice") != std::string::npos);
    CHECK(plan.out.find("it-admin") == std::string::npos);
    CHECK((plan.out.find("overwrite-block  " + image) != std::string::npos) ==
          (std::string(profile) == "full"));
  }
  CHECK(device.checksums() == before);
  CHECK(device.agent({"offboard", "plan", "--profile", "everything"}).exitCode == 2);
  // Without an accepted order there is nothing to execute.
  auto execute = device.agent({"offboard", "execute"});
  CHECK(execute.exitCode == 1);
  CHECK(execute.err.find("no offboarding order") != std::string::npos);
  CHECK(device.checksums() == before);
}

TEST_CASE("forged, replayed, expired and misdirected orders are refused", "[offboard]") {
  OffboardDevice device;
  const auto before = device.checksums();
  auto other = tasks::OrderSigningKey::generate();
  REQUIRE(other.isOk());
  struct Case {
    std::string name;
    std::string order;
    std::string reason;
  };
  std::string tampered = device.order("user-data", device.offboardingKey());
  tampered.replace(tampered.find("HR-2026-117"), 11, "HR-2026-118");
  const std::vector<Case> refused = {
      {"unknown key", device.order("user-data", *other), ""},
      {"tampered", tampered, ""},
      {"investigator's key", device.order("user-data", device.investigatorKey()), ""},
      {"other device",
       device.order("user-data", device.offboardingKey(),
                    [](tasks::Order& o) { o.device = "dev-someone-else"; }),
       ""},
      {"expired",
       device.order("user-data", device.offboardingKey(),
                    [](tasks::Order& o) {
                      o.expires = formatTimestamp(WallClock::now() - std::chrono::minutes(1));
                    }),
       ""},
      {"valid until 2099",
       device.order("user-data", device.offboardingKey(),
                    [](tasks::Order& o) { o.expires = "2099-01-01T00:00:00Z"; }),
       "longer than the 1440 hours allowed for 'offboard'"},
      {"query type",
       device.order("user-data", device.offboardingKey(),
                    [](tasks::Order& o) { o.type = "usage-detail"; }),
       ""},
      {"no case",
       device.order("user-data", device.offboardingKey(), [](tasks::Order& o) { o.caseRef = ""; }),
       ""},
      {"bad profile", device.order("everything", device.offboardingKey()), ""},
  };
  for (const auto& c : refused) {
    INFO(c.name);
    auto result =
        device.agent({"offboard", "accept", "--order", device.writeOrder("o.json", c.order)});
    CHECK(result.exitCode == 1);
    CHECK(result.err.find("order refused") != std::string::npos);
    CHECK(result.err.find(c.reason) != std::string::npos);
  }
  CHECK(device.agent({"offboard", "status"}).out.find("no offboarding order") != std::string::npos);

  const std::string good =
      device.writeOrder("good.json", device.order("user-data", device.offboardingKey()));
  auto accepted = device.agent({"offboard", "accept", "--order", good});
  INFO(accepted.err);
  REQUIRE(accepted.exitCode == 0);
  CHECK(accepted.out.find("signed by Ida IT-chef") != std::string::npos);
  auto replay = device.agent({"offboard", "accept", "--order", good});
  CHECK(replay.exitCode == 1);
  CHECK(replay.err.find("order refused") != std::string::npos);

  // A second good order while a run exists is refused, and its nonce stays unspent (an
  // order refused for the device's state may come again).
  std::string nonce;
  const std::string second = device.writeOrder(
      "second.json", device.order("user-data", device.offboardingKey(),
                                  [&nonce](tasks::Order& o) { nonce = o.nonce; }));
  auto whileRunning = device.agent({"offboard", "accept", "--order", second});
  CHECK(whileRunning.exitCode == 1);
  CHECK(whileRunning.err.find("already has an offboarding run") != std::string::npos);
  {
    auto db = store::Database::open(device.database(), store::OpenMode::kReadOnly);
    REQUIRE(db.isOk());
    CHECK(db->queryText("SELECT COUNT(*) FROM order_nonces WHERE nonce = '" + nonce + "'")
              ->value_or("") == "0");
  }
  // Accepting erased nothing: only execute acts.
  CHECK(device.checksums() == before);
}

TEST_CASE("profile full with no medium to sanitize is refused before the order is spent",
          "[offboard]") {
  OffboardDevice device;
  const auto before = device.checksums();
  auto plan = device.agent({"offboard", "plan", "--profile", "full"});
  CHECK(plan.exitCode == 2);
  CHECK(plan.err.find("profile full needs at least one medium") != std::string::npos);
  const std::string order =
      device.writeOrder("full.json", device.order("full", device.offboardingKey()));
  auto refused = device.agent({"offboard", "accept", "--order", order});
  CHECK(refused.exitCode == 1);
  CHECK(refused.err.find("profile full needs at least one medium") != std::string::npos);
  CHECK(device.agent({"offboard", "status"}).out.find("no offboarding order") != std::string::npos);
  CHECK(device.checksums() == before);
  // Its nonce was not used up: once a medium is configured the same order is accepted.
  const std::string image = device.dir().file("disk.img");
  writeImage(image, 1 << 20);
  device.sets.push_back("offboard.block_devices=[\"" + image + "\"]");
  auto accepted = device.agent({"offboard", "accept", "--order", order});
  INFO(accepted.err);
  CHECK(accepted.exitCode == 0);
}

TEST_CASE("an announced reset starts only after its notice period, none only if lost or stolen",
          "[offboard]") {
  OffboardDevice device;
  // No notice for an employee's departure: refused before the nonce is spent.
  auto refused = device.agent(
      {"offboard", "accept", "--order",
       device.writeOrder(
           "o.json", device.order("user-data", device.offboardingKey(),
                                  [](tasks::Order& o) { o.params->set("reason", "departure"); }))});
  CHECK(refused.exitCode == 1);
  CHECK(refused.err.find("needs params.reason lost or stolen") != std::string::npos);
  // A departure with a notice of two seconds.
  const std::string announced = device.writeOrder(
      "announced.json", device.order("user-data", device.offboardingKey(), [](tasks::Order& o) {
        o.params->set("reason", "departure");
        o.params->set("notice_hours", 2.0 / 3600);
      }));
  REQUIRE(device.agent({"offboard", "accept", "--order", announced}).exitCode == 0);
  const auto start = std::chrono::steady_clock::now();
  ChildProcess run(TILLID_AGENT_BIN, device.agentArgs({"offboard", "execute"}));
  // During the notice nothing is touched and the run says when it starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  CHECK(run.running());
  CHECK(fs::exists(device.root() + "/home/alice/Documents/notes.txt"));
  CHECK(stepsIn(device.database(), "pending") == stepCount(device.database()));
  auto status = device.agent({"offboard", "status", "--json"});
  auto json = parseJsonObject(status.out);
  REQUIRE(json.isOk());
  CHECK((*json)->getValue<std::string>("state") == "notice");
  CHECK((*json)->getValue<std::string>("reason") == "departure");
  CHECK((*json)->getValue<int64_t>("notice_seconds") == 2);
  REQUIRE(run.wait(std::chrono::seconds(60)) == 0);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1900));
  CHECK(!fs::exists(device.root() + "/home/alice"));
  auto certificate = report::verifySignedCertificate(runCertificate(device.database()),
                                                     device.devicePublicKeyPem());
  REQUIRE(certificate.isOk());
  CHECK((*certificate)->getObject("order")->getValue<std::string>("reason") == "departure");
  CHECK((*certificate)->getObject("order")->getValue<int64_t>("notice_seconds") == 2);
}

TEST_CASE("a lost device's reset starts at once and its certificate says so", "[offboard]") {
  OffboardDevice device;
  REQUIRE(
      device
          .agent({"offboard", "accept", "--order",
                  device.writeOrder("o.json", device.order("user-data", device.offboardingKey()))})
          .exitCode == 0);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(device.agent({"offboard", "execute"}).exitCode == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  auto certificate = report::verifySignedCertificate(runCertificate(device.database()),
                                                     device.devicePublicKeyPem());
  REQUIRE(certificate.isOk());
  CHECK((*certificate)->getObject("order")->getValue<std::string>("reason") == "lost");
  CHECK((*certificate)->getObject("order")->getValue<int64_t>("notice_seconds") == 0);
  CHECK((*certificate)->getValue<std::string>("method_type") == "Clear");
}

TEST_CASE("a reset killed at every step boundary and mid-overwrite completes, certified",
          "[offboard][slow]") {
  OffboardDevice device({"offboard.verification=sample"});
  const std::string image = device.dir().file("disk.img");
  const uint64_t imageBytes = 768ull << 20;
  writeImage(image, imageBytes);
  device.sets.push_back("offboard.block_devices=[\"" + image + "\"]");
  const std::string outside = device.dir().file("not-a-target.img");
  writeImage(outside, 1 << 20);
  REQUIRE(device
              .agent({"offboard", "accept", "--order",
                      device.writeOrder("o.json", device.order("full", device.offboardingKey()))})
              .exitCode == 0);
  const int steps = stepCount(device.database());
  REQUIRE(steps > 10);

  // Kill after each newly verified step until the overwrite step is reached.
  int kills = 0;
  bool killedMidOverwrite = false;
  for (int verified = 0; verified < steps && kills < 2 * steps; ++kills) {
    ChildProcess run(TILLID_AGENT_BIN, device.agentArgs({"offboard", "execute"}));
    int64_t total = 0;
    bool midOverwrite = false;
    const bool advanced = waitUntil(
        [&] {
          if (!killedMidOverwrite) {
            const int64_t done = overwriteProgress(device.database(), total);
            if (done > 0 && done < total) return midOverwrite = true;
          }
          return stepsIn(device.database(), "verified") > verified || !run.running();
        },
        std::chrono::seconds(60));
    REQUIRE(advanced);
    run.signal(SIGKILL);
    run.wait();
    if (midOverwrite) {
      int64_t after = overwriteProgress(device.database(), total);
      killedMidOverwrite = after > 0 && after < static_cast<int64_t>(imageBytes);
    }
    verified = stepsIn(device.database(), "verified");
  }
  CHECK(killedMidOverwrite);
  auto finish = device.agent({"offboard", "execute"});
  INFO(finish.err);
  REQUIRE(finish.exitCode == 0);
  CHECK(stepsIn(device.database(), "verified") == steps);

  // Everything of the leaving users is gone; IT's account and data are untouched.
  const std::string passwd = readFile(device.root() + "/etc/passwd");
  CHECK(passwd.find("alice") == std::string::npos);
  CHECK(passwd.find("bob") == std::string::npos);
  CHECK(passwd.find("it-admin:x:1000") != std::string::npos);
  CHECK(readFile(device.root() + "/etc/group").find("users:x:100:it-admin\n") != std::string::npos);
  CHECK(!fs::exists(device.root() + "/home/alice"));
  CHECK(!fs::exists(device.root() + "/home/bob"));
  CHECK(!fs::exists(device.root() + "/var/mail/alice"));
  CHECK(!fs::exists(device.root() + "/etc/NetworkManager/system-connections"));
  CHECK(readFile(device.root() + "/home/it-admin/.ssh/id_ed25519") == "private key of it-admin");
  CHECK(readFile(device.root() + "/var/mail/it-admin") == "it's mail");
  CHECK(readFile(outside) == std::string(1 << 20, 'x'));
  {
    std::ifstream in(image, std::ios::binary);
    std::string head(1 << 16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    CHECK(head.find(std::string(32, 'x')) == std::string::npos);
    in.seekg(static_cast<std::streamoff>(imageBytes - head.size()));
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    CHECK(head.find(std::string(32, 'x')) == std::string::npos);
  }

  // The certificate: signed by the device key, naming the order, every medium verified.
  const std::string wire = runCertificate(device.database());
  REQUIRE(!wire.empty());
  auto certificate = report::verifySignedCertificate(wire, device.devicePublicKeyPem());
  REQUIRE(certificate.isOk());
  const auto& c = *certificate;
  CHECK(c->getObject("order")->getValue<std::string>("case") == "HR-2026-117");
  CHECK(c->getObject("order")->getValue<std::string>("signer") == "Ida IT-chef");
  CHECK(c->getObject("device")->getValue<std::string>("device_id") == device.deviceId());
  CHECK(c->getValue<std::string>("verification_result") == "passed");
  // A block device overwritten is cleared, not purged: the device as a whole is Clear.
  CHECK(c->getValue<std::string>("method_type") == "Clear");
  CHECK(c->getValue<std::string>("verification_sampling_reference")
            .find("NIST SP 800-88 Rev.1, section 4.7.3") != std::string::npos);
  CHECK(c->getObject("person_validating")->getValue<std::string>("status").find("not validated") !=
        std::string::npos);
  CHECK(canonicalJson(c->getArray("standards")) == "[\"NIST SP 800-88 Rev.2\",\"IEEE 2883-2022\"]");
  const auto media = c->getArray("media");
  REQUIRE(media->size() == static_cast<size_t>(steps - 1));
  bool sawBlock = false;
  for (size_t i = 0; i < media->size(); ++i) {
    const auto m = media->getObject(static_cast<unsigned>(i));
    CHECK(m->getValue<std::string>("verification_result") == "passed");
    for (const char* field :
         {"manufacturer", "model", "serial_number", "media_type", "media_source",
          "pre_sanitization_confidentiality", "sanitization_description", "method_type",
          "method_used", "method_details", "tool_used", "verification_method",
          "post_sanitization_confidentiality", "post_sanitization_destination"}) {
      CHECK(m->has(field));
    }
    if (m->getValue<std::string>("step") == "overwrite-block") {
      sawBlock = true;
      CHECK(m->getValue<std::string>("method_type") == "Clear");
      CHECK(m->getValue<std::string>("method_used") == "Overwrite");
      CHECK(m->getValue<std::string>("media_source") == image);
      CHECK(m->getValue<std::string>("verified").find("read back") != std::string::npos);
      CHECK(m->getValue<std::string>("accepted_not_verified").find("not reached") !=
            std::string::npos);
      CHECK(m->getObject("result")->getValue<uint64_t>("size_bytes") == imageBytes);
      CHECK(m->getObject("verification")->getValue<uint64_t>("subsections") >= 1000);
    }
  }
  CHECK(sawBlock);
  // A tampered certificate does not verify.
  std::string forged = wire;
  forged.replace(forged.find("HR-2026-117"), 11, "HR-2026-999");
  CHECK(report::verifySignedCertificate(forged, device.devicePublicKeyPem()).status().code() ==
        ErrorCode::kPermission);
  // The certificate waits in the outbox with top priority for the running agent to send.
  auto db = store::Database::open(device.database(), store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  CHECK(db->queryText("SELECT priority FROM outbox WHERE kind = 'certificate'")->value_or("") ==
        "0");
  // Status shows the finished run; a second execute has nothing left to do.
  auto status = device.agent({"offboard", "status"});
  CHECK(status.out.find("offboarding completed") != std::string::npos);
  CHECK(status.out.find(std::to_string(steps) + " of " + std::to_string(steps) +
                        " steps verified") != std::string::npos);
  CHECK(device.agent({"offboard", "execute"}).exitCode == 0);
}

}  // namespace
}  // namespace tillid::test
