#pragma once
// A traffic scenario (JSON, see tests/scenarios/README.md): flows between one client and
// their servers, each a list of segments with a rate pattern, and the flags a correct
// detector raises for it ("expect"). Times are seconds from the scenario's start.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::scenario {

enum class FlowKind { kIca, kCgp, kTls, kQuic, kUdp };
enum class Pattern {
  kSteady,   // the rate every second (a few percent of jitter)
  kChunked,  // adaptive video: the rate's bytes in one burst every 4 seconds
  kOffice,   // ICA office work: a trickle with random bursts (typing, repaints)
  kIdle,     // keepalives only
};

struct Segment {
  double startS = 0;
  double endS = 0;
  Pattern pattern = Pattern::kSteady;
  double downMbps = 0;  // server -> client
  double upMbps = 0;    // client -> server
};

struct FlowSpec {
  FlowKind kind = FlowKind::kTls;
  bool udp = false;  // ICA/CGP over UDP (EDT)
  std::string server;
  uint16_t port = 0;
  std::string sni;
  std::vector<Segment> segments;
  double startS() const { return segments.front().startS; }
  double endS() const { return segments.back().endS; }
};

struct ExpectedFlag {
  std::string kind;     // "ica-video" or "streaming-service"
  std::string service;  // empty: any
  double startS = 0;
  double endS = 0;
  bool byVolume = false;  // flagged by volume (music): no delay target
};

struct Scenario {
  std::string description;
  int64_t startMicros = 0;
  double durationS = 0;
  std::string client = "10.10.0.5";
  uint32_t seed = 1;
  uint32_t segmentBytes = 60000;  // payload per captured frame (like GRO/TSO on a host)
  std::vector<FlowSpec> flows;
  std::vector<ExpectedFlag> expect;
};

Result<Scenario> parseScenario(const std::string& json);
Result<Scenario> loadScenario(const std::string& path);

}  // namespace tillid::scenario
