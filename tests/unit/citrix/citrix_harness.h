#pragma once
// Drives a SessionTracker and a StreamingDetector the way the usage pipeline does
// (packets in capture-time order, a tick every second) and records what they report.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/citrix/citrix_settings.h"
#include "agent/citrix/session_tracker.h"
#include "agent/citrix/streaming_detector.h"
#include "agent/core/agent_config.h"

namespace tillid::test {

struct RecordingSink final : citrix::CitrixSink {
  std::vector<citrix::Session> started;
  std::vector<citrix::Session> ended;
  std::vector<citrix::Flag> raised;
  std::vector<citrix::Flag> finished;
  void sessionStarted(const citrix::Session& s) override { started.push_back(s); }
  void sessionEnded(const citrix::Session& s) override { ended.push_back(s); }
  void flagRaised(const citrix::Flag& f) override { raised.push_back(f); }
  void flagEnded(const citrix::Flag& f) override { finished.push_back(f); }
};

// The agent's defaults with `overrides` ("citrix.mode=server", ...), as the agent loads them.
inline citrix::Settings citrixSettings(const std::vector<std::string>& overrides = {}) {
  auto config = loadAgentConfig(std::nullopt, overrides);
  if (!config) throw std::runtime_error(config.status().message());
  return citrix::settingsFromConfig(*config);
}

inline usage::FlowInfo icaFlow(const std::string& user = "anna") {
  usage::FlowInfo f;
  f.protocol = 6;
  f.localAddress = "10.0.0.5";
  f.localPort = 50123;
  f.remoteAddress = "10.20.0.10";
  f.remotePort = 1494;
  f.direction = usage::Direction::kOutbound;
  f.service = "Citrix";
  f.user = user;
  return f;
}

inline usage::FlowInfo serviceFlow(const std::string& service, const std::string& category,
                                   const std::string& user = "anna") {
  usage::FlowInfo f;
  f.protocol = 6;
  f.localAddress = "10.0.0.5";
  f.localPort = 50200;
  f.remoteAddress = "198.51.100.7";
  f.remotePort = 443;
  f.direction = usage::Direction::kOutbound;
  f.service = service;
  f.category = category;
  f.user = user;
  return f;
}

constexpr int64_t kT0 = 1764000000;  // seconds; any fixed epoch second

class CitrixHarness {
 public:
  explicit CitrixHarness(const citrix::Settings& settings,
                         platform::ProcessLister* processes = nullptr)
      : tracker(settings, sink, processes), detector(settings, tracker, sink) {}

  // Sends `downMbps` towards the device and `upMbps` from it on flow `id` for each second
  // in [from, to) (seconds after kT0), one packet per direction per second.
  void stream(uint64_t id, const usage::FlowInfo& info, int64_t from, int64_t to, double downMbps,
              double upMbps) {
    for (int64_t s = from; s < to; ++s) {
      at(s);
      send(id, info, s, downMbps, upMbps);
    }
  }
  void send(uint64_t id, const usage::FlowInfo& info, int64_t s, double downMbps, double upMbps) {
    const int64_t t = (kT0 + s) * 1000000 + 500000;
    for (const auto& [mbps, fromDevice] : {std::pair{downMbps, false}, {upMbps, true}}) {
      if (mbps <= 0) continue;
      usage::PacketEvent p{t, static_cast<uint32_t>(mbps * 1e6 / 8), fromDevice};
      tracker.onPacket(id, info, p);
      detector.onPacket(id, info, p);
    }
  }
  // Ticks every second up to second `s` (after kT0).
  void at(int64_t s) {
    for (; now_ <= s; ++now_) {
      tracker.onTick((kT0 + now_) * 1000000);
      detector.onTick((kT0 + now_) * 1000000);
    }
  }
  void endFlow(uint64_t id, const usage::FlowInfo& info, int64_t s) {
    tracker.onFlowEnd(id, info, (kT0 + s) * 1000000);
    detector.onFlowEnd(id, info, (kT0 + s) * 1000000);
  }
  void finish(int64_t s) {
    at(s);
    detector.finish();
    tracker.finish();
  }

  RecordingSink sink;
  citrix::SessionTracker tracker;
  citrix::StreamingDetector detector;

 private:
  int64_t now_ = 0;
};

inline double secondsAfterT0(int64_t micros) {
  return static_cast<double>(micros) / 1e6 - static_cast<double>(kT0);
}

}  // namespace tillid::test
