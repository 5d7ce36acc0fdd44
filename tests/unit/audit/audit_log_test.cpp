#include "agent/audit/audit_log.h"

#include <catch2/catch.hpp>

#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using tillid::test::TempDir;

namespace {

// A real database file holding a chain of `n` entries (seq 1..n, row id == seq).
store::Database chainOf(const std::string& path, int n) {
  auto opened = store::openStore(path, {audit::auditSchema()});
  REQUIRE(opened.isOk());
  for (int i = 1; i <= n; ++i) {
    Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
    details->set("i", i);
    details->set("note", "entry " + std::to_string(i));
    REQUIRE(audit::append(opened->db, "agent", "test.event", details).isOk());
  }
  return std::move(opened->db);
}

audit::Verification verified(store::Database& db) {
  auto result = audit::verify(db);
  REQUIRE(result.isOk());
  return *result;
}

void exec(store::Database& db, const std::string& sql) {
  REQUIRE(db.exec(sql).isOk());
}

}  // namespace

TEST_CASE("an untouched chain verifies and reports its head", "[audit]") {
  TempDir dir;
  auto db = chainOf(dir.file("a.db"), 10);
  const auto v = verified(db);
  CHECK_FALSE(v.firstProblem.has_value());
  CHECK(v.entries == 10);
  REQUIRE(v.head.has_value());
  CHECK(v.head->seq == 10);
  auto head = audit::head(db);
  REQUIRE(head.isOk());
  CHECK((*head)->hash == v.head->hash);
}

TEST_CASE("the first entry links to the genesis hash and hashes are SHA-256", "[audit]") {
  TempDir dir;
  auto db = chainOf(dir.file("a.db"), 2);
  auto all = audit::entries(db);
  REQUIRE(all.isOk());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].prevHash == audit::kGenesisHash);
  CHECK((*all)[1].prevHash == (*all)[0].hash);
  CHECK((*all)[0].hash.size() == 64);
  CHECK((*all)[0].details == "{\"i\":1,\"note\":\"entry 1\"}");
  CHECK(audit::computeHash((*all)[1]) == (*all)[1].hash);
}

TEST_CASE("tampering with a real database file is found at the first broken entry",
          "[audit][tamper]") {
  TempDir dir;
  auto db = chainOf(dir.file("a.db"), 10);

  SECTION("an edited entry") {
    exec(db, "UPDATE audit_log SET details='{\"i\":5,\"note\":\"nothing to see\"}' WHERE seq=5");
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kEdited);
    CHECK(v.firstProblem->seq == 5);
  }
  SECTION("an edited time stamp") {
    exec(db, "UPDATE audit_log SET time='2020-01-01T00:00:00.000000Z' WHERE seq=7");
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kEdited);
    CHECK(v.firstProblem->seq == 7);
  }
  SECTION("a deleted entry") {
    exec(db, "DELETE FROM audit_log WHERE seq=4");
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kDeleted);
    CHECK(v.firstProblem->seq == 4);
    CHECK_THAT(v.firstProblem->message, Catch::Contains("missing"));
  }
  SECTION("an inserted entry, correctly chained to its predecessor") {
    auto all = audit::entries(db);
    REQUIRE(all.isOk());
    audit::Entry forged = (*all)[3];  // claims the place of entry 5, after entry 4
    forged.seq = 5;
    forged.action = "test.forged";
    forged.details = "{}";
    forged.prevHash = (*all)[3].hash;
    forged.hash = audit::computeHash(forged);
    exec(db, "UPDATE audit_log SET id = id + 100 WHERE id >= 5");
    auto insert = db.prepare(
        "INSERT INTO audit_log(id, seq, time, actor, action, details, prev_hash, hash) "
        "VALUES(5, ?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    REQUIRE(insert.isOk());
    REQUIRE(insert->bind(1, forged.seq)
                .bind(2, forged.time)
                .bind(3, forged.actor)
                .bind(4, forged.action)
                .bind(5, forged.details)
                .bind(6, forged.prevHash)
                .bind(7, forged.hash)
                .run()
                .isOk());
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kInserted);
    CHECK(v.firstProblem->seq == 5);
  }
  SECTION("two entries swapped") {
    exec(db,
         "UPDATE audit_log SET id = 1000 WHERE id = 6;"
         "UPDATE audit_log SET id = 6 WHERE id = 7;"
         "UPDATE audit_log SET id = 7 WHERE id = 1000;");
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kReordered);
    CHECK(v.firstProblem->seq == 7);
  }
  SECTION("a re-linked entry (prev_hash rewritten)") {
    exec(db,
         "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq=1) "
         "WHERE seq=3");
    const auto v = verified(db);
    REQUIRE(v.firstProblem.has_value());
    CHECK(v.firstProblem->kind == audit::Tamper::kEdited);
    CHECK(v.firstProblem->seq == 3);
  }
  SECTION("a cut-off tail is not visible locally: the collector's anchors catch it") {
    exec(db, "DELETE FROM audit_log WHERE seq > 8");
    const auto v = verified(db);
    CHECK_FALSE(v.firstProblem.has_value());
    CHECK(v.head->seq == 8);
  }
}
