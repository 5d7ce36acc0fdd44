// The pipeline over the shared real captures: services as Debian's ndpiReader reports
// them and names as tshark shows them (tests/data/usage_expectations.tsv, written by
// scripts/usage-expectations), bad captures counted and skipped, privacy applied before
// any observer sees a flow.

#include "agent/usage/usage_pipeline.h"

#include <libpsl.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "platform/packet_source.h"
#include "tests/support/temp_dir.h"

using namespace tillid;
using namespace tillid::usage;

namespace {

// A real consumer of the pipeline: what every flow looked like to observers.
class CollectingObserver final : public FlowObserver {
 public:
  struct Seen {
    FlowInfo info;
    uint64_t bytesFromDevice = 0;
    uint64_t bytesToDevice = 0;
    bool ended = false;
    bool changedAfterFirstPacket = false;
  };
  void onPacket(uint64_t id, const FlowInfo& info, const PacketEvent& packet) override {
    auto [it, inserted] = flows.try_emplace(id);
    if (!inserted && (it->second.info.destination != info.destination ||
                      it->second.info.service != info.service)) {
      it->second.changedAfterFirstPacket = true;
    }
    it->second.info = info;
    (packet.fromDevice ? it->second.bytesFromDevice : it->second.bytesToDevice) += packet.bytes;
    if (packet.timeMicros < lastTime) timeWentBack = true;
    lastTime = packet.timeMicros;
    ++packets;
  }
  void onFlowEnd(uint64_t id, const FlowInfo& info, int64_t) override {
    flows[id].info = info;
    flows[id].ended = true;
  }
  void onTick(int64_t time) override {
    if (lastTick != 0 && time - lastTick > 1'000'000) tickGap = true;
    lastTick = time;
    ++ticks;
  }

  const Seen* find(const std::string& protocol, const std::string& a, const std::string& pa,
                   const std::string& b, const std::string& pb) const {
    const int number = protocol == "TCP" ? 6 : 17;
    for (const auto& [id, seen] : flows) {
      const FlowInfo& f = seen.info;
      const std::string lp = std::to_string(f.localPort);
      const std::string rp = std::to_string(f.remotePort);
      if (f.protocol == number &&
          ((f.localAddress == a && lp == pa && f.remoteAddress == b && rp == pb) ||
           (f.localAddress == b && lp == pb && f.remoteAddress == a && rp == pa))) {
        return &seen;
      }
    }
    return nullptr;
  }

  std::map<uint64_t, Seen> flows;
  uint64_t packets = 0;
  uint64_t ticks = 0;
  int64_t lastTime = 0;
  int64_t lastTick = 0;
  bool timeWentBack = false;
  bool tickGap = false;
};

PrivacyFilter noProtectedLists() {
  auto filter = PrivacyFilter::fromLists({}, int64_t{0});
  REQUIRE(filter);
  return *filter;
}

UsagePipelineStats replay(const std::string& capture, const PrivacyFilter& privacy,
                          CollectingObserver& observer) {
  auto pipeline = UsagePipeline::create({}, privacy, nullptr);
  REQUIRE(pipeline);
  (*pipeline)->addObserver(&observer);
  auto source = platform::openCaptureFile(test::pcapPath(capture));
  REQUIRE(source);
  while (!(*source)->finished()) {
    auto delivered = (*source)->dispatch(**pipeline, std::chrono::milliseconds(0));
    REQUIRE(delivered);
  }
  (*pipeline)->finish(0);
  return (*pipeline)->stats();
}

std::string registrableDomain(const std::string& name) {
  const char* domain = psl_registrable_domain(psl_builtin(), name.c_str());
  return domain != nullptr ? domain : name;
}

struct Expectation {
  std::string capture, protocol, client, clientPort, server, serverPort, service, name;
};

std::vector<Expectation> expectations() {
  std::ifstream in(std::string(TILLID_SOURCE_DIR) + "/tests/data/usage_expectations.tsv");
  std::vector<Expectation> result;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Expectation e;
    std::getline(fields, e.capture, '\t');
    std::getline(fields, e.protocol, '\t');
    std::getline(fields, e.client, '\t');
    std::getline(fields, e.clientPort, '\t');
    std::getline(fields, e.server, '\t');
    std::getline(fields, e.serverPort, '\t');
    std::getline(fields, e.service, '\t');
    std::getline(fields, e.name, '\t');
    result.push_back(e);
  }
  return result;
}

}  // namespace

TEST_CASE("Main flows of the real captures get ndpiReader's service and tshark's name",
          "[usage][pipeline][captures]") {
  const auto all = expectations();
  REQUIRE(all.size() >= 9);
  const PrivacyFilter privacy = noProtectedLists();
  std::map<std::string, CollectingObserver> observed;
  for (const auto& e : all) {
    if (!observed.count(e.capture)) replay(e.capture + ".pcap", privacy, observed[e.capture]);
    SECTION(e.capture + " " + e.client + ":" + e.clientPort + " -> " + e.server + ":" +
            e.serverPort) {
      const auto* seen =
          observed[e.capture].find(e.protocol, e.client, e.clientPort, e.server, e.serverPort);
      REQUIRE(seen != nullptr);
      CHECK(seen->info.service == e.service);
      // An address as the name (HTTP to a numeric host, or no name at all): the address.
      const bool numeric =
          e.name == "-" || e.name.find_first_not_of("0123456789.") == std::string::npos;
      CHECK(seen->info.destination == (numeric ? e.server : registrableDomain(e.name)));
      CHECK(seen->info.remoteAddress == e.server);
      CHECK(seen->info.direction == Direction::kOutbound);
      CHECK(seen->info.application == "unknown");
      CHECK(seen->ended);
      CHECK_FALSE(seen->changedAfterFirstPacket);
    }
  }
}

TEST_CASE(
    "Volumes are the captures' wire bytes, ticks cover every second, time moves "
    "forward",
    "[usage][pipeline][captures]") {
  CollectingObserver observer;
  const UsagePipelineStats stats = replay("netflix.pcap", noProtectedLists(), observer);
  uint64_t observedBytes = 0;
  for (const auto& [id, seen] : observer.flows) {
    observedBytes += seen.bytesFromDevice + seen.bytesToDevice;
  }
  CHECK(observedBytes == stats.bytes);
  CHECK(stats.frames == stats.packets + stats.skippedTotal() + stats.flows.controlWithoutFlow);
  CHECK(observer.ticks > 0);
  CHECK_FALSE(observer.tickGap);
  CHECK_FALSE(observer.timeWentBack);
}

TEST_CASE("Damaged and fuzzed captures are counted and skipped, never a crash",
          "[usage][pipeline][captures]") {
  const PrivacyFilter privacy = noProtectedLists();
  {
    // Most are DNS responses whose IP header claims 1500 bytes in a frame of a few hundred
    // (and a UDP length larger still): malformed, skipped, counted; none reaches a flow.
    CollectingObserver observer;
    const UsagePipelineStats stats = replay("badpackets.pcap", privacy, observer);
    CHECK(stats.frames == 93);
    CHECK(stats.skipped[static_cast<size_t>(ParseOutcome::kMalformed)] > 0);
    CHECK(stats.packets + stats.skippedTotal() + stats.flows.controlWithoutFlow == stats.frames);
    uint64_t observedBytes = 0;
    for (const auto& [id, seen] : observer.flows) {
      observedBytes += seen.bytesFromDevice + seen.bytesToDevice;
    }
    CHECK(observedBytes == stats.bytes);
  }
  {
    // One QUIC packet whose UDP length (8224) exceeds its IP packet (1260 bytes of payload).
    CollectingObserver observer;
    const UsagePipelineStats stats = replay("quic-fuzz-overflow.pcapng", privacy, observer);
    CHECK(stats.frames == 1);
    CHECK(stats.skipped[static_cast<size_t>(ParseOutcome::kMalformed)] == 1);
    CHECK(stats.packets == 0);
    CHECK(observer.flows.empty());
  }
}

TEST_CASE(
    "A protected destination reaches no observer by name, before the effective date "
    "nothing does",
    "[usage][pipeline][privacy]") {
  auto privacy = PrivacyFilter::fromLists({{"test", "facebook.com\nfbcdn.net\n"}}, int64_t{0});
  REQUIRE(privacy);
  CollectingObserver observer;
  replay("facebook.pcap", *privacy, observer);
  REQUIRE_FALSE(observer.flows.empty());
  int protectedFlows = 0;
  for (const auto& [id, seen] : observer.flows) {
    const FlowInfo& f = seen.info;
    for (const std::string& field : {f.destination, f.service, f.category}) {
      CHECK(field.find("facebook") == std::string::npos);
      CHECK(field.find("Facebook") == std::string::npos);
      CHECK(field.find("fbcdn") == std::string::npos);
    }
    if (f.destination == "protected") ++protectedFlows;
  }
  CHECK(protectedFlows >= 2);

  // facebook.pcap is from 2014 or later; an effective date in 2100 records nothing.
  auto later = PrivacyFilter::fromLists({}, int64_t{4102444800LL * 1'000'000});
  REQUIRE(later);
  CollectingObserver none;
  const UsagePipelineStats stats = replay("facebook.pcap", *later, none);
  CHECK(none.packets == 0);
  CHECK(stats.notRecorded == stats.packets);
}

TEST_CASE("Flows beyond the inspection bound are counted and named without nDPI",
          "[usage][pipeline][memory]") {
  const PrivacyFilter privacy = noProtectedLists();
  auto pipeline = UsagePipeline::create({}, privacy, nullptr);
  REQUIRE(pipeline);
  CollectingObserver observer;
  (*pipeline)->addObserver(&observer);
  // One UDP packet per flow (10.0.x.y:40000 -> 192.0.2.1:9999, 8 bytes of payload): nDPI
  // cannot name any of them, so every one stays under inspection until the end.
  const uint32_t extra = 10;
  const uint32_t flows = static_cast<uint32_t>(NdpiClassifier::kMaxStatesInUse) + extra;
  const int64_t start = 1'700'000'000'000'000;
  for (uint32_t i = 0; i < flows; ++i) {
    uint8_t packet[36] = {0x45,
                          0,
                          0,
                          36,
                          0,
                          0,
                          0x40,
                          0,
                          64,
                          17,
                          0,
                          0,
                          10,
                          0,
                          static_cast<uint8_t>(i >> 8),
                          static_cast<uint8_t>(i),
                          192,
                          0,
                          2,
                          1,
                          0x9c,
                          0x40,
                          0x27,
                          0x0f,
                          0,
                          16,
                          0,
                          0,
                          'p',
                          'a',
                          'y',
                          'l',
                          'o',
                          'a',
                          'd',
                          '!'};
    (*pipeline)->processFrame(LinkType::kRaw, packet, sizeof packet, 36, start + i);
  }
  CHECK((*pipeline)->liveFlows() == flows);
  (*pipeline)->finish(0);
  const UsagePipelineStats stats = (*pipeline)->stats();
  CHECK(stats.notInspected == extra);
  REQUIRE(observer.flows.size() == flows);
  uint32_t notInspected = 0;
  for (const auto& [id, seen] : observer.flows) {
    CHECK(seen.ended);
    CHECK(seen.bytesFromDevice == 36);
    CHECK(seen.info.destination == "192.0.2.1");
    if (seen.info.service == "unknown") ++notInspected;
  }
  CHECK(notInspected == extra);
}
