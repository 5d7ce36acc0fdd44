#include "tests/integration/offboard/offboard_fixture.h"

#include <Poco/JSON/Array.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/tasks/task_channel.h"
#include "common/canonical_json.h"
#include "common/digest.h"
#include "common/time.h"
#include "store/database.h"

namespace tillid::test {
namespace {

namespace fs = std::filesystem;

tasks::OrderSigningKey generated() {
  auto key = tasks::OrderSigningKey::generate();
  REQUIRE(key.isOk());
  return *key;
}

std::string devicePrivateKeyPem() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

Poco::JSON::Object::Ptr keyJson(const tasks::OrderSigningKey& key, const std::string& name,
                                const std::string& role) {
  Poco::JSON::Object::Ptr k = new Poco::JSON::Object;
  k->set("id", key.keyId());
  k->set("name", name);
  k->set("role", role);
  k->set("public_key", key.publicKeyBase64());
  return k;
}

}  // namespace

OffboardDevice::OffboardDevice(std::vector<std::string> extraSets)
    : offboardingKey_(generated()), investigatorKey_(generated()) {
  const std::string r = root();
  fs::create_directories(r + "/etc");
  writeFile(r + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "it-admin:x:1000:1000:IT:/home/it-admin:/bin/bash\n"
            "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n"
            "bob:x:1002:1002:Bob:/home/bob:/bin/bash\n");
  writeFile(r + "/etc/shadow",
            "root:$y$r:19000:0:99999:7:::\nit-admin:$y$i:19000:0:99999:7:::\n"
            "alice:$y$a:19000:0:99999:7:::\nbob:$y$b:19000:0:99999:7:::\n");
  writeFile(r + "/etc/group",
            "root:x:0:\nit-admin:x:1000:\nalice:x:1001:\nbob:x:1002:\n"
            "users:x:100:alice,bob,it-admin\n");
  for (const char* user : {"it-admin", "alice", "bob"}) {
    const std::string home = r + "/home/" + user;
    fs::create_directories(home + "/.ssh");
    fs::create_directories(home + "/.mozilla/firefox/p.default");
    fs::create_directories(home + "/Documents");
    writeFile(home + "/.ssh/id_ed25519", std::string("private key of ") + user);
    writeFile(home + "/.mozilla/firefox/p.default/cookies.sqlite", std::string(70000, 'c'));
    writeFile(home + "/Documents/notes.txt", std::string("notes of ") + user);
  }
  fs::create_directories(r + "/var/mail");
  writeFile(r + "/var/mail/alice", "alice's mail");
  writeFile(r + "/var/mail/it-admin", "it's mail");
  fs::create_directories(r + "/etc/NetworkManager/system-connections");
  writeFile(r + "/etc/NetworkManager/system-connections/office.nmconnection", "psk=secret");
  writeFile(r + "/etc/hostname", "laptop-17\n");
  // A link from a leaving home to the kept one: removed, never followed.
  fs::create_directory_symlink(r + "/home/it-admin", r + "/home/alice/link-to-it");

  fs::create_directories(state());
  fs::permissions(state(), fs::perms::owner_all);
  writeFile(state() + "/enrollment.json",
            "{\"server\": \"https://127.0.0.1:9\", \"device_id\": \"" + deviceId_ +
                "\", \"enrolled_at\": \"2026-11-01T00:00:00Z\", \"certificate_expires\": "
                "\"2027-11-01T00:00:00Z\"}\n");
  writeFile(state() + "/agent.key", devicePrivateKeyPem());
  Poco::JSON::Object::Ptr keys = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  list->add(keyJson(offboardingKey_, "Ida IT-chef", tasks::kRoleOffboarding));
  list->add(keyJson(investigatorKey_, "Ivan Investigator", tasks::kRoleInvestigator));
  keys->set("version", 1);
  keys->set("keys", list);
  writeFile(tasks::trustedKeysPath(state()), canonicalJson(keys));

  sets = {"offboard.root_prefix=" + r, "offboard.keep_accounts=[\"it-admin\"]",
          "offboard.buffer_mib=1", "log.level=warning"};
  for (auto& s : extraSets) sets.push_back(std::move(s));
}

std::vector<std::string> OffboardDevice::agentArgs(const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--state-dir", state()};
  for (const auto& s : sets) {
    all.push_back("--set");
    all.push_back(s);
  }
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

RunResult OffboardDevice::agent(const std::vector<std::string>& args) const {
  return runProgram(TILLID_AGENT_BIN, agentArgs(args));
}

std::string OffboardDevice::order(const std::string& profile, const tasks::OrderSigningKey& key,
                                  const std::function<void(tasks::Order&)>& edit) const {
  tasks::Order o;
  o.device = deviceId_;
  o.type = "offboard";
  o.purpose = "offboarding";
  o.caseRef = "HR-2026-117";
  o.nonce = *tasks::newNonce();
  o.expires = formatTimestamp(WallClock::now() + std::chrono::minutes(30));
  o.issuedBy = "Ida IT-chef";
  o.params->set("profile", profile);
  // Starts at once unless `edit` gives it a notice period.
  o.params->set("reason", "lost");
  o.params->set("notice_hours", 0);
  if (edit) edit(o);
  auto signedOrder = key.sign(o);
  REQUIRE(signedOrder.isOk());
  return canonicalJson(tasks::signedOrderToJson(*signedOrder));
}

std::string OffboardDevice::writeOrder(const std::string& name, const std::string& json) const {
  const std::string path = dir_.file(name);
  writeFile(path, json);
  return path;
}

std::map<std::string, std::string> OffboardDevice::checksums() const {
  std::map<std::string, std::string> sums;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    if (entry.is_symlink() || !entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    if (path.rfind(state(), 0) == 0) continue;          // the agent's own database may change
    if (entry.path().extension() == ".json") continue;  // orders the test wrote
    sums[path] = sha256Hex(readFile(path));
  }
  return sums;
}

std::string OffboardDevice::devicePublicKeyPem() const {
  const std::string pem = readFile(state() + "/agent.key");
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string result(data, static_cast<size_t>(size));
  BIO_free(out);
  BIO_free(in);
  EVP_PKEY_free(key);
  return result;
}

int stepsIn(const std::string& database, const std::string& state) {
  auto db = store::Database::open(database, store::OpenMode::kReadOnly);
  if (!db) return -1;
  auto count = db->queryText("SELECT count(*) FROM offboard_steps WHERE state = '" + state + "'");
  return count && count->has_value() ? std::stoi(**count) : -1;
}

int stepCount(const std::string& database) {
  auto db = store::Database::open(database, store::OpenMode::kReadOnly);
  if (!db) return -1;
  auto count = db->queryText("SELECT count(*) FROM offboard_steps");
  return count && count->has_value() ? std::stoi(**count) : -1;
}

}  // namespace tillid::test
