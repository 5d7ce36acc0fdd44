#include "agent/citrix/citrix_settings.h"

#include <cctype>
#include <string_view>

namespace tillid::citrix {
namespace {

StreamThresholds thresholds(const Config& config, const std::string& section) {
  const std::string p = "citrix." + section + ".";
  StreamThresholds t;
  t.startMbps = config.number(p + "start_mbps");
  t.stopMbps = config.number(p + "stop_mbps");
  t.minDurationSeconds = config.integer(p + "min_duration_seconds");
  t.maxUpRatio = config.number(p + "max_up_ratio");
  t.maxMbps = config.number(p + "max_mbps");
  t.minMegabytes = config.number(p + "min_megabytes");
  return t;
}

}  // namespace

Settings settingsFromConfig(const Config& config) {
  Settings s;
  s.mode = config.string("citrix.mode") == "server" ? Mode::kServer : Mode::kClient;
  for (const auto& port : config.strings("citrix.ica_ports")) {
    s.icaPorts.insert(static_cast<uint16_t>(std::stoi(port)));
  }
  s.icaServices = config.strings("citrix.ica_services");
  s.gatewayNames = config.strings("citrix.gateway_names");
  s.clientProcesses = config.strings("citrix.client_processes");
  s.processPollSeconds = config.integer("citrix.process_poll_seconds");
  s.sessionEndGraceSeconds = config.integer("citrix.session_end_grace_seconds");
  s.windowSeconds = config.integer("citrix.window_seconds");
  s.gapMergeSeconds = config.integer("citrix.gap_merge_seconds");
  s.evidenceMaxMinutes = config.integer("citrix.evidence_max_minutes");
  s.icaVideo = thresholds(config, "ica_video");
  s.streamingService = thresholds(config, "streaming_service");
  s.music = thresholds(config, "music");
  s.streamingCategories = config.strings("citrix.streaming_categories");
  s.streamingServices = config.strings("citrix.streaming_services");
  s.musicCategories = config.strings("citrix.music_categories");
  s.musicServices = config.strings("citrix.music_services");
  s.meetingServices = config.strings("citrix.meeting_services");
  return s;
}

namespace {

bool equalIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool nameMatches(const std::string& name, const std::vector<std::string>& names) {
  if (name.empty()) return false;
  const auto dot = name.rfind('.');
  const std::string_view last =
      dot == std::string::npos ? std::string_view(name) : std::string_view(name).substr(dot + 1);
  for (const auto& n : names) {
    if (equalIgnoringCase(n, name) || equalIgnoringCase(n, last)) return true;
  }
  return false;
}

}  // namespace tillid::citrix
