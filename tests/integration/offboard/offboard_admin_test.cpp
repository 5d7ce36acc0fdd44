// The verified device reset from the administrator's side, end to end: a real collector
// with the dev PKI, a real agent enrolled with it whose offboarding root is a temporary
// directory (offboard_fixture.h), and tillid-admin ordering the reset, following it and
// showing the certificate the collector verified. Refusals: the wrong role, an unknown
// device, a key that is not a key, a key the collector does not know, a key the device
// does not trust, a replayed order, a tampered certificate.

#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

#include "common/canonical_json.h"
#include "protocol/gzip.h"
#include "protocol/report_batch.h"
#include "protocol/sanitization_signature.h"
#include "tests/integration/collector/fleet.h"
#include "tests/integration/offboard/offboard_fixture.h"
#include "tests/support/browser.h"

using namespace tillid;
using namespace tillid::test;

namespace {

namespace fs = std::filesystem;

// Adds an offboarding key to the collector's order keys (before it starts); returns the
// private key file. The device enrolled afterwards is made to forget it again: a key that
// only the collector knows, as a compromised collector would add.
std::string addCollectorOnlyKey(const DevPki& pki, const std::string& dir) {
  const std::string keyFile = dir + "/rogue.key";
  const RunResult made = runProgram(TILLID_ADMIN_BIN, {"keygen", "--out", keyFile, "--name",
                                                       "Rolf Rogue", "--role", "offboarding"});
  INFO(made.err);
  REQUIRE(made.exitCode == 0);
  auto keys = parseJsonObject(readFile(pki.file("order-keys.json")));
  REQUIRE(keys);
  (*keys)->getArray("keys")->add(jsonOutput(made));
  writeFile(pki.file("order-keys.json"), canonicalJson(*keys));
  return keyFile;
}

void forgetKey(const std::string& agentDir, const std::string& name) {
  const std::string path = agentDir + "/order-keys.json";
  auto keys = parseJsonObject(readFile(path));
  REQUIRE(keys);
  Poco::JSON::Array::Ptr kept = new Poco::JSON::Array;
  const auto list = (*keys)->getArray("keys");
  for (unsigned i = 0; i < list->size(); ++i) {
    if (list->getObject(i)->getValue<std::string>("name") != name) kept->add(list->get(i));
  }
  REQUIRE(kept->size() + 1 == list->size());
  (*keys)->set("keys", kept);
  writeFile(path, canonicalJson(*keys));
}

// POSTs one certificate record as the device would, over the device's own TLS identity.
report::HttpResponse postCertificate(const std::string& agentDir, const CollectorProcess& collector,
                                     const std::string& device,
                                     const Poco::JSON::Object::Ptr& payload) {
  const std::string batch = report::reportBatchJson(
      device, "b-tampered-1",
      {{"r-tampered-1", "certificate", formatTimestamp(WallClock::now()), payload}});
  report::CurlTransport transport(deviceTls(agentDir, collector.url()));
  auto response =
      transport.send({"POST",
                      "/v1/reports",
                      "application/json",
                      {{"Content-Encoding", "gzip"}, {"Idempotency-Key", "b-tampered-1"}},
                      *report::gzipCompress(batch)});
  REQUIRE(response);
  return *response;
}

// The running agent's options: quick reporting and task polls, the machine's offboarding
// settings (its temporary root).
std::vector<std::string> agentSets(const OffboardDevice& machine) {
  std::vector<std::string> sets = fastReporting();
  for (const char* set :
       {"tasks.poll_wait_seconds=2", "tasks.backoff_min_ms=100", "tasks.backoff_max_ms=400"}) {
    sets.insert(sets.end(), {"--set", set});
  }
  for (const auto& set : machine.sets) sets.insert(sets.end(), {"--set", set});
  return sets;
}

// `offboard status --json` once the run completed and the certificate arrived.
Poco::JSON::Object::Ptr waitForCompletion(const AdminCli& admin, const std::string& device,
                                          const std::string& agentDir) {
  Poco::JSON::Object::Ptr status;
  const bool finished = waitUntil(
      [&] {
        const RunResult r = admin.run({"offboard", "status", device, "--json"});
        auto parsed = parseJsonObject(r.out);
        if (r.exitCode != 0 || !parsed) return false;
        status = *parsed;
        const auto run = status->getObject("run");
        const auto certificate = status->getObject("certificate");
        return run && run->getValue<std::string>("state") == "completed" && certificate &&
               certificate->getValue<bool>("received");
      },
      std::chrono::seconds(45));
  INFO(canonicalJson(status) << agentCommand(agentDir, {"offboard", "status"}).out);
  REQUIRE(finished);
  return status;
}

}  // namespace

TEST_CASE("tillid-admin orders a reset, follows it and shows the verified certificate",
          "[offboard][network]") {
  OffboardDevice machine;  // the temporary root with accounts, homes, mail and Wi-Fi secrets
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  const std::string rogueKey = addCollectorOnlyKey(pki, dir.path());
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  forgetKey(agentDir, "Rolf Rogue");

  auto agent = startAgent(agentDir, agentSets(machine));
  REQUIRE(agent->running());

  const AdminCli viewer{pki, collector, "viewer"};
  const AdminCli offboarding{pki, collector, "offboarding"};
  auto order = [&](const AdminCli& admin, const std::string& target, const std::string& key) {
    return admin.run({"offboard", target, "--case", "HR-2026-117", "--profile", "user-data",
                      "--reason", "lost", "--notice-hours", "0", "--order-key", key, "--wait",
                      "30"});
  };
  const std::string goodKey = pki.file("order-offboarding.key");

  // Refused before anything reaches the device.
  const RunResult wrongRole = order(viewer, device, goodKey);
  CHECK(wrongRole.exitCode == 1);
  CHECK(wrongRole.err.find("needs the offboarding role") != std::string::npos);
  const RunResult unknownDevice = order(offboarding, "d-nobody", goodKey);
  CHECK(unknownDevice.exitCode == 1);
  CHECK(unknownDevice.err.find("no device d-nobody") != std::string::npos);
  const RunResult notAKey = order(offboarding, device, pki.file("ca.pem"));
  CHECK(notAKey.exitCode == 1);
  CHECK(notAKey.err.find("no order sent") != std::string::npos);
  CHECK(order(offboarding, device, "").exitCode == 2);
  CHECK(offboarding
            .run({"offboard", device, "--case", "HR-2026-117", "--profile", "everything",
                  "--order-key", goodKey})
            .exitCode == 2);
  {
    // An order signed by a key the collector does not know, posted past tillid-admin.
    auto stranger = tasks::OrderSigningKey::generate();
    REQUIRE(stranger);
    tasks::Order o;
    o.device = device;
    o.type = "offboard";
    o.purpose = "offboarding";
    o.caseRef = "HR-2026-117";
    o.nonce = *tasks::newNonce();
    o.expires = formatTimestamp(WallClock::now() + std::chrono::minutes(5));
    o.issuedBy = "Stranger";
    o.params->set("profile", "user-data");
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("device", device);
    body->set("type", "offboard");
    body->set("purpose", "offboarding");
    body->set("case", "HR-2026-117");
    body->set("order", tasks::signedOrderToJson(*stranger->sign(o)));
    report::CurlTransport transport(offboarding.tls());
    auto created =
        transport.send({"POST", "/v1/admin/tasks", "application/json", {}, canonicalJson(body)});
    REQUIRE(created);
    CHECK(created->status == 403);
    CHECK(created->body.find("is not trusted to sign orders") != std::string::npos);
  }
  {
    // Orders the device would refuse are refused by the collector and never queued: an
    // investigator's key, expired, valid until 2099.
    tasks::Order o;
    o.device = device;
    o.type = "offboard";
    o.purpose = "offboarding";
    o.caseRef = "HR-2026-117";
    o.issuedBy = "dev offboarding";
    o.params->set("profile", "user-data");
    const auto refusedBeforeQueuing = [&](tasks::Order edited, const std::string& keyFile,
                                          const std::string& reason) {
      edited.nonce = *tasks::newNonce();
      const int64_t queued = collector.countTasks("SELECT COUNT(*) FROM tasks");
      const auto answer = offboarding.post(signedTask(keyFile, edited));
      INFO(answer.body);
      CHECK(answer.status == 403);
      CHECK(answer.body.find(reason) != std::string::npos);
      CHECK(collector.countTasks("SELECT COUNT(*) FROM tasks") == queued);
    };
    o.expires = formatTimestamp(WallClock::now() + std::chrono::minutes(5));
    refusedBeforeQueuing(o, pki.file("order-investigator.key"), "needs offboarding");
    o.expires = formatTimestamp(WallClock::now() - std::chrono::minutes(1));
    refusedBeforeQueuing(o, goodKey, "expired");
    o.expires = "2099-01-01T00:00:00Z";
    refusedBeforeQueuing(o, goodKey, "longer than the 1440 hours allowed");
  }
  // A key the collector knows but the device does not trust: the device refuses, and the
  // administrator sees its reason. Nothing was erased.
  const RunResult rogue = order(offboarding, device, rogueKey);
  INFO(rogue.out << rogue.err);
  CHECK(rogue.exitCode == 1);
  CHECK(rogue.err.find("the device refused the order") != std::string::npos);
  CHECK(rogue.err.find("is not trusted to sign orders") != std::string::npos);
  CHECK(fs::exists(machine.root() + "/home/alice/.ssh/id_ed25519"));

  // The real order.
  const RunResult accepted = order(offboarding, device, goodKey);
  INFO(accepted.out << accepted.err);
  REQUIRE(accepted.exitCode == 0);
  CHECK(accepted.out.find("signed by dev offboarding") != std::string::npos);
  CHECK(accepted.out.find("the device accepted the order") != std::string::npos);
  CHECK(accepted.out.find("tillid-admin offboard status " + device) != std::string::npos);

  // Followed to the end: every step verified, the certificate received and verified.
  const auto status = waitForCompletion(offboarding, device, agentDir);
  CHECK(status->getObject("order")->getValue<std::string>("state") == "answered");
  CHECK(status->getObject("certificate")->getValue<bool>("signature_verified"));
  const auto steps = status->getObject("run")->getArray("steps");
  REQUIRE(steps->size() > 5);
  CHECK(status->getObject("run")->getValue<size_t>("steps_verified") == steps->size());
  // The collector saw the run while it was under way, not only its end.
  CHECK(collector.count("SELECT COUNT(*) FROM records WHERE kind = 'offboard-progress' AND "
                        "payload LIKE '%\"state\":\"running\"%'") >= 1);
  const RunResult table = offboarding.run({"offboard", "status", device});
  CHECK(table.exitCode == 0);
  CHECK(table.out.find("run: completed, " + std::to_string(steps->size()) + " of " +
                       std::to_string(steps->size()) + " steps verified") != std::string::npos);
  CHECK(table.out.find("remove-account") != std::string::npos);
  CHECK(table.out.find("certificate: received, signature verified") != std::string::npos);

  // The leaving users' data is gone from the temporary root; IT's is not.
  CHECK(!fs::exists(machine.root() + "/home/alice"));
  CHECK(!fs::exists(machine.root() + "/var/mail/alice"));
  CHECK(readFile(machine.root() + "/home/it-admin/.ssh/id_ed25519") == "private key of it-admin");

  // The certificate, as text, JSON and a printable page.
  // It names the accounts erased: the offboarding role's, not the viewer's.
  const RunResult notViewer = viewer.run({"certificate", device});
  CHECK(notViewer.exitCode == 1);
  CHECK(notViewer.err.find("purpose offboarding needs the offboarding role") != std::string::npos);
  const RunResult text = offboarding.run({"certificate", device});
  INFO(text.err);
  REQUIRE(text.exitCode == 0);
  for (const char* expected :
       {"Certificate of sanitization", "verified by the collector", "HR-2026-117", "NIST SP 800-88",
        "file system data", "Clear", "passed", "/home/alice"}) {
    CHECK(text.out.find(expected) != std::string::npos);
  }
  auto answer = jsonOutput(offboarding.run({"certificate", device, "--json"}));
  const auto signedCertificate = answer->getObject("signed");
  CHECK(signedCertificate->getObject("collector_verification")->getValue<bool>("signature_valid"));
  // Anyone holding the device certificate can check the signature again.
  CHECK(report::verifySignedCertificate(canonicalJson(signedCertificate),
                                        readFile(agentDir + "/agent.crt")));
  const std::string page = dir.file("certificate.html");
  const RunResult html = offboarding.run({"certificate", device, "--html", page});
  REQUIRE(html.exitCode == 0);
  const std::string markup = readFile(page);
  CHECK(markup.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(markup.find("Signature verified") != std::string::npos);
  CHECK(markup.find("HR-2026-117") != std::string::npos);
  CHECK(markup.find("<script") == std::string::npos);
  CHECK(markup.find("src=") == std::string::npos);
  CHECK(markup.find("href=") == std::string::npos);
  const std::string png = dir.file("certificate.png");
  if (renderScreenshot(page, png)) {
    CHECK(fs::file_size(png) > 10000);
  } else {
    WARN("chromium is not installed: the page was not rendered (scripts/bootstrap installs it)");
  }

  // A replay of the accepted order: the collector knows its nonce and does not queue it.
  {
    auto tasks =
        jsonOutput(offboarding.run({"tasks", "--device", device, "--json"}))->getArray("tasks");
    Poco::JSON::Object::Ptr done;
    for (unsigned i = 0; i < tasks->size(); ++i) {
      if (tasks->getObject(i)->getValue<std::string>("state") == "answered") {
        done = tasks->getObject(i);
      }
    }
    REQUIRE(done);
    Poco::JSON::Object::Ptr replay = new Poco::JSON::Object;
    for (const char* key : {"device", "type", "purpose", "case", "params", "order"}) {
      replay->set(key, done->get(key));
    }
    const int64_t queued = collector.countTasks("SELECT COUNT(*) FROM tasks");
    const auto replayed = offboarding.post(replay);
    CHECK(replayed.status == 403);
    CHECK(replayed.body.find("replay") != std::string::npos);
    CHECK(collector.countTasks("SELECT COUNT(*) FROM tasks") == queued);
  }

  // A tampered certificate is refused by the collector and logged; the stored one stays.
  {
    Poco::JSON::Object::Ptr forged = *parseJsonObject(canonicalJson(signedCertificate));
    forged->remove("collector_verification");
    forged->getObject("certificate")->getObject("order")->set("case", "HR-2026-999");
    const report::HttpResponse refused = postCertificate(agentDir, collector, device, forged);
    CHECK(refused.status == 422);
    CHECK(refused.body.find("certificate_refused") != std::string::npos);
    CHECK(refused.body.find("does not verify") != std::string::npos);
    const std::string log =
        canonicalJson(jsonOutput(offboarding.run({"access-log", "--device", device, "--json"})));
    CHECK(log.find("certificate.refused") != std::string::npos);
    CHECK(collector.count("SELECT COUNT(*) FROM records WHERE kind = 'certificate'") == 1);
  }

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}

TEST_CASE("offboard status shows an overwrite's percent and rate as the device reported them",
          "[offboard][network]") {
  OffboardDevice machine({"offboard.verification=sample"});
  const std::string image = machine.dir().file("disk.img");
  writeFile(image, std::string(64 << 20, 'x'));
  machine.sets.push_back("offboard.block_devices=[\"" + image + "\"]");
  TempDir dir;
  const DevPki pki = makeDevPki(dir.file("pki"));
  CollectorProcess collector(pki, dir.file("collector"));
  const std::string agentDir = dir.file("agent");
  const std::string device = enrollAgent(agentDir, collector, pki);
  auto agent = startAgent(agentDir, agentSets(machine));
  REQUIRE(agent->running());
  const AdminCli offboarding{pki, collector, "offboarding"};

  const RunResult accepted = offboarding.run(
      {"offboard", device, "--case", "IT-2026-9", "--profile", "full", "--reason", "stolen",
       "--notice-hours", "0", "--order-key", pki.file("order-offboarding.key"), "--wait", "30"});
  INFO(accepted.out << accepted.err);
  REQUIRE(accepted.exitCode == 0);
  const auto status = waitForCompletion(offboarding, device, agentDir);
  Poco::JSON::Object::Ptr overwrite;
  const auto steps = status->getObject("run")->getArray("steps");
  for (unsigned i = 0; i < steps->size(); ++i) {
    if (steps->getObject(i)->getValue<std::string>("kind") == "overwrite-block") {
      overwrite = steps->getObject(i);
    }
  }
  REQUIRE(overwrite);
  CHECK(overwrite->getValue<int64_t>("progress_total") > 0);
  CHECK(overwrite->getValue<double>("percent") > 0);
  CHECK(overwrite->getValue<double>("bytes_per_second") > 0);

  const RunResult table = offboarding.run({"offboard", "status", device});
  const auto row = table.out.find("overwrite-block");
  REQUIRE(row != std::string::npos);
  const std::string line = table.out.substr(row, table.out.find('\n', row) - row);
  CHECK(line.find("%") != std::string::npos);
  CHECK(line.find("MB/s") != std::string::npos);

  const RunResult certificate = offboarding.run({"certificate", device});
  CHECK(certificate.exitCode == 0);
  CHECK(certificate.out.find("block device") != std::string::npos);
  CHECK(certificate.out.find("Overwrite") != std::string::npos);
  CHECK(readFile(image).find(std::string(32, 'x')) == std::string::npos);

  agent->signal(SIGTERM);
  CHECK(agent->wait() == 0);
}
