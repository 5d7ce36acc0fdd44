#include "agent/usage/usage_aggregator.h"

#include <catch2/catch.hpp>
#include <map>
#include <tuple>

#include "common/time.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::usage;
using tillid::test::TempDir;

namespace {

struct StoredRow {
  int64_t connections, bytesIn, bytesOut, activeSeconds;
  bool operator==(const StoredRow&) const = default;
};

// (hour, user, application, destination, service, category) -> counters.
using Key =
    std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;

std::map<Key, StoredRow> readRows(const std::string& path) {
  auto db = store::Database::open(path, store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  auto select = db->prepare(
      "SELECT hour, user, application, destination, service, category, connections, bytes_in,"
      " bytes_out, active_seconds FROM usage_hourly");
  REQUIRE(select.isOk());
  std::map<Key, StoredRow> rows;
  while (true) {
    auto more = select->step();
    REQUIRE(more.isOk());
    if (!*more) break;
    rows[{select->text(0), select->text(1), select->text(2), select->text(3), select->text(4),
          select->text(5)}] = {select->int64(6), select->int64(7), select->int64(8),
                               select->int64(9)};
  }
  return rows;
}

struct Fixture {
  TempDir dir;
  std::string path = dir.file("tillid.db");
  std::unique_ptr<store::Writer> writer;

  Fixture() {
    auto opened = store::openStore(path, {usageSchema()});
    REQUIRE(opened.isOk());
    writer = std::make_unique<store::Writer>(std::move(opened->db), store::WriterOptions{});
  }
};

PrivacyFilter filter(std::optional<int64_t> effectiveFrom = int64_t{0}) {
  auto f = PrivacyFilter::fromLists(builtInProtectedLists(), effectiveFrom);
  REQUIRE(f.isOk());
  return std::move(*f);
}

int64_t at(const std::string& time) {
  return toMicros(*parseTimestamp(time));
}

PacketEvent packet(const std::string& time, uint32_t bytes, bool fromDevice) {
  return {at(time), bytes, fromDevice};
}

FlowInfo netflix() {
  FlowInfo info;
  info.localAddress = "10.0.0.5";
  info.localPort = 50123;
  info.remoteAddress = "198.38.120.10";
  info.remotePort = 443;
  info.protocol = 6;
  info.direction = Direction::kOutbound;
  info.service = "NetFlix";
  info.category = "Video";
  info.destination = "nflxvideo.net";
  info.application = "firefox";
  info.user = "anna";
  return info;
}

Key key(const std::string& hour, const FlowInfo& info) {
  return {hour, info.user, info.application, info.destination, info.service, info.category};
}

}  // namespace

TEST_CASE("usage is aggregated per hour across an hour boundary", "[usage][aggregator]") {
  Fixture f;
  const PrivacyFilter privacy = filter();
  const FlowInfo info = netflix();
  {
    UsageAggregator aggregator(*f.writer, privacy, std::chrono::seconds(3600));
    aggregator.onPacket(1, info, packet("2026-11-25T10:59:58Z", 100, true));
    aggregator.onPacket(1, info, packet("2026-11-25T10:59:58.500000Z", 1500, false));
    aggregator.onPacket(1, info, packet("2026-11-25T10:59:59Z", 1400, false));
    aggregator.onPacket(1, info, packet("2026-11-25T11:00:00.200000Z", 1300, false));
    aggregator.onPacket(1, info, packet("2026-11-25T11:00:01Z", 60, true));
    // A second connection to the same key, active in a second the first one was too:
    // that second counts once.
    aggregator.onPacket(2, info, packet("2026-11-25T11:00:01.500000Z", 1000, false));
    aggregator.onFlowEnd(2, info, at("2026-11-25T11:00:02Z"));
    aggregator.onTick(at("2026-11-25T11:00:02Z"));
    aggregator.flush();
    CHECK(aggregator.stats().packets == 6);
    CHECK(aggregator.stats().flushes == 1);
  }
  REQUIRE(f.writer->flush().isOk());
  const auto rows = readRows(f.path);
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(key("2026-11-25T10:00:00Z", info)) == StoredRow{1, 2900, 100, 2});
  CHECK(rows.at(key("2026-11-25T11:00:00Z", info)) == StoredRow{1, 2300, 60, 2});
}

TEST_CASE("repeated flushes add to the stored rows without double counting",
          "[usage][aggregator]") {
  Fixture f;
  const PrivacyFilter privacy = filter();
  const FlowInfo info = netflix();
  UsageAggregator aggregator(*f.writer, privacy, std::chrono::seconds(3600));
  aggregator.onPacket(7, info, packet("2026-11-25T09:10:00Z", 500, false));
  aggregator.flush();
  aggregator.onPacket(7, info, packet("2026-11-25T09:10:00.900000Z", 700, false));
  aggregator.onPacket(7, info, packet("2026-11-25T09:10:05Z", 20, true));
  aggregator.flush();
  aggregator.flush();  // nothing new: no job
  CHECK(aggregator.stats().flushes == 2);
  REQUIRE(f.writer->flush().isOk());
  const auto rows = readRows(f.path);
  REQUIRE(rows.size() == 1);
  CHECK(rows.at(key("2026-11-25T09:00:00Z", info)) == StoredRow{1, 1200, 20, 2});
}

TEST_CASE("a flow's first packets are counted under the key it settles on", "[usage][aggregator]") {
  Fixture f;
  const PrivacyFilter privacy = filter();
  FlowInfo info = netflix();
  const FlowInfo named = info;
  info.service.clear();
  info.category.clear();
  info.destination.clear();
  UsageAggregator aggregator(*f.writer, privacy, std::chrono::seconds(3600));
  aggregator.onPacket(3, info, packet("2026-11-25T12:00:00Z", 74, true));          // SYN
  aggregator.onPacket(3, info, packet("2026-11-25T12:00:00.010000Z", 74, false));  // SYN-ACK
  info.destination = "nflxvideo.net";  // ClientHello's SNI
  aggregator.onPacket(3, info, packet("2026-11-25T12:00:00.020000Z", 517, true));
  aggregator.onPacket(3, named, packet("2026-11-25T12:00:01Z", 1500, false));  // classified
  aggregator.onFlowEnd(3, named, at("2026-11-25T12:00:02Z"));

  // A flow that is never classified is counted under what is known when it ends.
  FlowInfo unknown = netflix();
  unknown.service.clear();
  unknown.category.clear();
  unknown.destination = "192.0.2.9";
  aggregator.onPacket(4, unknown, packet("2026-11-25T12:30:00Z", 90, true));
  aggregator.onFlowEnd(4, unknown, at("2026-11-25T12:30:01Z"));
  aggregator.flush();
  REQUIRE(f.writer->flush().isOk());

  const auto rows = readRows(f.path);
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(key("2026-11-25T12:00:00Z", named)) == StoredRow{1, 1574, 591, 2});
  CHECK(rows.at({"2026-11-25T12:00:00Z", "anna", "firefox", "192.0.2.9", "unknown", "unknown"}) ==
        StoredRow{1, 0, 90, 1});
}

TEST_CASE("nothing before the effective date reaches the store", "[usage][aggregator]") {
  Fixture f;
  const PrivacyFilter privacy = filter(at("2026-11-25T11:00:00Z"));
  const FlowInfo info = netflix();
  {
    UsageAggregator aggregator(*f.writer, privacy, std::chrono::seconds(3600));
    aggregator.onPacket(1, info, packet("2026-11-25T10:59:59.999999Z", 1000, false));
    aggregator.onPacket(1, info, packet("2026-11-25T11:00:00Z", 10, true));
    aggregator.onPacket(2, info, packet("2026-11-25T10:30:00Z", 5000, false));
    aggregator.onFlowEnd(2, info, at("2026-11-25T10:30:01Z"));
    CHECK(aggregator.stats().beforeEffective == 2);
    CHECK(aggregator.stats().packets == 1);
  }  // the destructor flushes
  REQUIRE(f.writer->flush().isOk());
  const auto rows = readRows(f.path);
  REQUIRE(rows.size() == 1);
  CHECK(rows.at(key("2026-11-25T11:00:00Z", info)) == StoredRow{1, 0, 10, 1});
}

TEST_CASE("hour labels", "[usage][aggregator]") {
  CHECK(hourLabel(at("2026-11-25T16:59:59.999999Z")) == "2026-11-25T16:00:00Z");
  CHECK(hourLabel(at("2026-11-25T17:00:00Z")) == "2026-11-25T17:00:00Z");
  CHECK(hourLabel(0) == "1970-01-01T00:00:00Z");
}
