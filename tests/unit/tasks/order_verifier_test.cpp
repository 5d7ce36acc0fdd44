#include "agent/tasks/order_verifier.h"

#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>

#include "agent/audit/audit_log.h"
#include "agent/tasks/nonce_store.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::tasks;
using tillid::test::TempDir;

namespace {

constexpr const char* kDevice = "d-0123456789abcdef0123";

OrderSigningKey newKey() {
  auto key = OrderSigningKey::generate();
  REQUIRE(key.isOk());
  return *key;
}

TrustedKey trusted(const OrderSigningKey& key, const std::string& name, const std::string& role) {
  return {key.keyId(), name, role, key.publicKeyBase64()};
}

Poco::JSON::Object::Ptr keySet(int64_t version, const std::vector<TrustedKey>& keys) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& k : keys) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", k.id);
    o->set("name", k.name);
    o->set("role", k.role);
    o->set("public_key", k.publicKey);
    list->add(o);
  }
  Poco::JSON::Object::Ptr set = new Poco::JSON::Object;
  set->set("version", version);
  set->set("keys", list);
  return set;
}

Order investigation(const std::string& nonce = *newNonce()) {
  Order order;
  order.device = kDevice;
  order.type = "usage-detail";
  order.purpose = "investigation";
  order.caseRef = "SAG-2026-17";
  order.nonce = nonce;
  order.expires = formatTimestamp(WallClock::now() + std::chrono::hours(1));
  order.issuedBy = "Ane Jensen";
  return order;
}

const OrderExpectation kExpected{"usage-detail", "investigation", "SAG-2026-17", kRoleInvestigator};

// A real store and writer in a temp dir, with the trusted-keys file beside it.
struct Device {
  TempDir dir;
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<OrderVerifier> verifier;

  explicit Device(const Poco::JSON::Object::Ptr& keys) {
    auto set = TrustedKeys::fromJson(keys);
    REQUIRE(set.isOk());
    REQUIRE(set->save(keysPath()).isOk());
    reopen();
  }
  std::string keysPath() const { return dir.file("order-keys.json"); }
  void reopen() {
    verifier.reset();
    writer.reset();
    auto opened = store::openStore(dir.file("agent.db"), {audit::auditSchema(), tasksSchema()});
    REQUIRE(opened.isOk());
    writer = std::make_unique<store::Writer>(std::move(opened->db), store::WriterOptions{});
    auto v = OrderVerifier::open(kDevice, keysPath(), *writer);
    REQUIRE(v.isOk());
    verifier = std::move(*v);
  }
};

std::string refusal(const Result<TrustedKey>& result) {
  REQUIRE_FALSE(result.isOk());
  CHECK(result.status().code() == ErrorCode::kPermission);
  return result.status().message();
}

}  // namespace

TEST_CASE("a signed order survives the wire form and verifies only unchanged", "[tasks]") {
  const auto key = newKey();
  auto signedOrder = key.sign(investigation());
  REQUIRE(signedOrder.isOk());
  auto parsed = parseSignedOrder(signedOrderToJson(*signedOrder));
  REQUIRE(parsed.isOk());
  CHECK(canonicalOrder(parsed->order) == canonicalOrder(signedOrder->order));
  CHECK(verifyEd25519(key.publicKeyBase64(), canonicalOrder(parsed->order), parsed->signature));

  parsed->order.caseRef = "SAG-2026-18";
  CHECK_FALSE(
      verifyEd25519(key.publicKeyBase64(), canonicalOrder(parsed->order), parsed->signature));
  CHECK_FALSE(verifyEd25519(key.publicKeyBase64(), "x", "not base64 at all!"));

  auto reloaded = OrderSigningKey::fromPem(key.privateKeyPem());
  REQUIRE(reloaded.isOk());
  CHECK(reloaded->keyId() == key.keyId());
}

TEST_CASE("malformed orders are refused with the field named", "[tasks]") {
  Poco::JSON::Object::Ptr json = signedOrderToJson({investigation(), "k-1", "sig"});
  json->getObject("order")->remove("nonce");
  auto parsed = parseSignedOrder(json);
  REQUIRE_FALSE(parsed.isOk());
  CHECK_THAT(parsed.status().message(), Catch::Contains("nonce"));
}

TEST_CASE("the device accepts an investigator's order once and refuses the rest", "[tasks]") {
  const auto investigator = newKey();
  const auto offboarder = newKey();
  const auto stranger = newKey();
  Device device(keySet(1, {trusted(investigator, "Ane Jensen", kRoleInvestigator),
                           trusted(offboarder, "Bo Holm", kRoleOffboarding)}));

  auto good = investigator.sign(investigation());
  REQUIRE(good.isOk());
  auto accepted = device.verifier->accept(*good, kExpected);
  REQUIRE(accepted.isOk());
  CHECK(accepted->name == "Ane Jensen");

  SECTION("replayed, also after a restart") {
    CHECK_THAT(refusal(device.verifier->accept(*good, kExpected)), Catch::Contains("replay"));
    device.reopen();
    CHECK_THAT(refusal(device.verifier->accept(*good, kExpected)), Catch::Contains("replay"));
  }
  SECTION("signed by an untrusted key") {
    auto forged = stranger.sign(investigation());
    REQUIRE(forged.isOk());
    CHECK_THAT(refusal(device.verifier->accept(*forged, kExpected)),
               Catch::Contains("not trusted"));
  }
  SECTION("signed by a trusted key of the wrong role") {
    auto wrongRole = offboarder.sign(investigation());
    REQUIRE(wrongRole.isOk());
    CHECK_THAT(refusal(device.verifier->accept(*wrongRole, kExpected)),
               Catch::Contains("needs investigator"));
  }
  SECTION("altered after signing") {
    auto altered = investigator.sign(investigation());
    REQUIRE(altered.isOk());
    altered->order.device = "d-other";
    CHECK_THAT(refusal(device.verifier->accept(*altered, kExpected)),
               Catch::Contains("signature does not verify"));
  }
  SECTION("for another device") {
    Order order = investigation();
    order.device = "d-other";
    auto other = investigator.sign(order);
    REQUIRE(other.isOk());
    CHECK_THAT(refusal(device.verifier->accept(*other, kExpected)),
               Catch::Contains("for device d-other"));
  }
  SECTION("expired") {
    Order order = investigation();
    order.expires = formatTimestamp(WallClock::now() - std::chrono::seconds(1));
    auto expired = investigator.sign(order);
    REQUIRE(expired.isOk());
    CHECK_THAT(refusal(device.verifier->accept(*expired, kExpected)), Catch::Contains("expired"));
  }
  SECTION("for another case than the task names") {
    auto order = investigator.sign(investigation());
    REQUIRE(order.isOk());
    OrderExpectation otherCase = kExpected;
    otherCase.caseRef = "SAG-2026-99";
    CHECK_THAT(refusal(device.verifier->accept(*order, otherCase)), Catch::Contains("case"));
  }
}

TEST_CASE("an order valid for longer than its kind allows is refused", "[tasks]") {
  const auto investigator = newKey();
  Device device(keySet(1, {trusted(investigator, "Ane Jensen", kRoleInvestigator)}));
  const OrderValidityLimits limits;

  Order order = investigation();
  order.expires = "2099-01-01T00:00:00Z";
  auto longLived = investigator.sign(order);
  REQUIRE(longLived.isOk());
  CHECK_THAT(refusal(device.verifier->accept(*longLived, kExpected)),
             Catch::Contains("longer than the 168 hours allowed for 'usage-detail'"));

  // The limit is counted from the check, so an order just inside it is accepted, and the
  // refusal above did not spend the nonce of an otherwise good order.
  order.nonce = *newNonce();
  order.expires =
      formatTimestamp(WallClock::now() + limits.investigation - std::chrono::minutes(1));
  auto justInside = investigator.sign(order);
  REQUIRE(justInside.isOk());
  CHECK(device.verifier->accept(*justInside, kExpected).isOk());

  CHECK(limits.forType("usage-detail") == limits.investigation);
  CHECK(limits.forType("offboard") == limits.offboard);
  CHECK(limits.forType("trusted-keys") == limits.trustedKeys);
}

TEST_CASE("checkOrder applies the configured limits without touching any nonce", "[tasks]") {
  const auto investigator = newKey();
  auto keys =
      TrustedKeys::fromJson(keySet(1, {trusted(investigator, "Ane Jensen", kRoleInvestigator)}));
  REQUIRE(keys.isOk());
  OrderValidityLimits tight;
  tight.investigation = std::chrono::hours(2);
  Order order = investigation();
  order.expires = formatTimestamp(WallClock::now() + std::chrono::hours(3));
  auto signedOrder = investigator.sign(order);
  REQUIRE(signedOrder.isOk());
  CHECK_THAT(refusal(checkOrder(*signedOrder, *keys, kDevice, kExpected, tight, WallClock::now())),
             Catch::Contains("2 hours"));
  tight.investigation = std::chrono::hours(4);
  // Stateless: the same order passes as often as it is checked.
  CHECK(checkOrder(*signedOrder, *keys, kDevice, kExpected, tight, WallClock::now()).isOk());
  CHECK(checkOrder(*signedOrder, *keys, kDevice, kExpected, tight, WallClock::now()).isOk());
}

TEST_CASE("an order whose action fails keeps its nonce unspent", "[tasks]") {
  const auto investigator = newKey();
  Device device(keySet(1, {trusted(investigator, "Ane Jensen", kRoleInvestigator)}));
  auto order = investigator.sign(investigation());
  REQUIRE(order.isOk());
  auto refused = device.verifier->accept(*order, kExpected, WallClock::now(), [](store::Database&) {
    return Status::error(ErrorCode::kConflict, "this device already has an offboarding run");
  });
  REQUIRE_FALSE(refused.isOk());
  CHECK_THAT(refused.status().message(), Catch::Contains("already has"));
  CHECK(device.verifier->accept(*order, kExpected).isOk());
  CHECK_THAT(refusal(device.verifier->accept(*order, kExpected)), Catch::Contains("replay"));
}

TEST_CASE("trusted keys rotate only by a newer set signed by a trusted key", "[tasks]") {
  const auto oldKey = newKey();
  const auto newKeyPair = newKey();
  Device device(keySet(1, {trusted(oldKey, "Ane Jensen", kRoleInvestigator)}));

  Order rotation;
  rotation.device = kDevice;
  rotation.type = "trusted-keys";
  rotation.purpose = "key-rotation";
  rotation.nonce = *newNonce();
  rotation.expires = formatTimestamp(WallClock::now() + std::chrono::hours(1));
  rotation.issuedBy = "Ane Jensen";
  rotation.params = keySet(2, {trusted(newKeyPair, "Cai Berg", kRoleInvestigator)});

  SECTION("a set signed by an untrusted key is refused") {
    auto forged = newKeyPair.sign(rotation);
    REQUIRE(forged.isOk());
    CHECK_FALSE(device.verifier->rotate(*forged).isOk());
    CHECK(device.verifier->keys().version() == 1);
  }
  SECTION("a newer set signed by a trusted key replaces the old, on disk too") {
    auto order = oldKey.sign(rotation);
    REQUIRE(order.isOk());
    auto rotated = device.verifier->rotate(*order);
    REQUIRE(rotated.isOk());
    CHECK(rotated->version() == 2);
    device.reopen();
    CHECK(device.verifier->keys().find(newKeyPair.keyId()) != nullptr);
    CHECK(device.verifier->keys().find(oldKey.keyId()) == nullptr);
    auto stale = oldKey.sign(investigation());
    REQUIRE(stale.isOk());
    CHECK_THAT(refusal(device.verifier->accept(*stale, kExpected)), Catch::Contains("not trusted"));
  }
  SECTION("an older or equal version is refused") {
    rotation.params = keySet(1, {trusted(newKeyPair, "Cai Berg", kRoleInvestigator)});
    auto order = oldKey.sign(rotation);
    REQUIRE(order.isOk());
    auto rotated = device.verifier->rotate(*order);
    REQUIRE_FALSE(rotated.isOk());
    CHECK_THAT(rotated.status().message(), Catch::Contains("not newer"));
  }
}

TEST_CASE("a key set whose id does not match its key is refused", "[tasks]") {
  const auto key = newKey();
  TrustedKey k = trusted(key, "Ane Jensen", kRoleInvestigator);
  k.id = "k-0000000000000000";
  CHECK_FALSE(TrustedKeys::fromJson(keySet(1, {k})).isOk());
  k = trusted(key, "Ane Jensen", "root");
  CHECK_FALSE(TrustedKeys::fromJson(keySet(1, {k})).isOk());
}
