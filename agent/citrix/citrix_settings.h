#pragma once
// The "citrix" configuration section as typed values: how sessions are recognised and the
// thresholds of the streaming detector. The defaults and the reasoning behind each of them
// are in config/agent.default.json and docs/streaming-detection.md.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"

namespace tillid::citrix {

// Where the agent runs: on an employee's device (every flow belongs to the device's one
// user) or on a Citrix server (each flow is judged in the session of FlowInfo.user).
enum class Mode { kClient, kServer };

// One detector's thresholds. A stream starts when its sliding-window average reaches
// startMbps, keeps going while it stays at or above stopMbps, survives dips shorter than
// gapMergeSeconds, and is flagged once it has lasted minDurationSeconds.
struct StreamThresholds {
  double startMbps = 0;
  double stopMbps = 0;
  int64_t minDurationSeconds = 0;
  // Upload may be at most this fraction of download (over the window): a stream is
  // one-way; a video meeting sends about as much as it receives.
  double maxUpRatio = 0;
  // Windows averaging above this are bulk transfers (copies, updates), not video. 0 = no cap.
  double maxMbps = 0;
  // A stream is flagged only once it has moved at least this much (music: by volume).
  double minMegabytes = 0;
};

struct Settings {
  Mode mode = Mode::kClient;
  std::set<uint16_t> icaPorts;               // TCP and UDP: ICA 1494, CGP 2598
  std::vector<std::string> icaServices;      // nDPI names, e.g. "Citrix"
  std::vector<std::string> gatewayNames;     // destinations (registrable domain or address)
  std::vector<std::string> clientProcesses;  // executable names, e.g. "wfica"
  int64_t processPollSeconds = 5;
  int64_t sessionEndGraceSeconds = 180;
  int64_t windowSeconds = 60;
  int64_t gapMergeSeconds = 120;
  int64_t evidenceMaxMinutes = 720;
  StreamThresholds icaVideo;
  StreamThresholds streamingService;
  StreamThresholds music;
  std::vector<std::string> streamingCategories;
  std::vector<std::string> streamingServices;
  std::vector<std::string> musicCategories;
  std::vector<std::string> musicServices;
  std::vector<std::string> meetingServices;
};

// REQUIRES: config was validated against agent.default.json (so every key exists).
Settings settingsFromConfig(const Config& config);

// True when an nDPI name matches one in `names`: case-insensitive, on the whole name or
// on its last dotted part ("TLS.NetFlix" matches "NetFlix").
bool nameMatches(const std::string& name, const std::vector<std::string>& names);

}  // namespace tillid::citrix
