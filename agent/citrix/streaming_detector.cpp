#include "agent/citrix/streaming_detector.h"

#include "common/logging.h"
#include "common/time.h"

namespace tillid::citrix {
namespace {

constexpr int64_t kMicros = 1000000;

// The service's own name without nDPI's transport prefix ("TLS.NetFlix" -> "NetFlix").
std::string serviceName(const std::string& service) {
  const auto dot = service.rfind('.');
  return dot == std::string::npos ? service : service.substr(dot + 1);
}

}  // namespace

StreamingDetector::StreamingDetector(const Settings& settings, const SessionTracker& sessions,
                                     CitrixSink& sink)
    : settings_(settings), sessions_(sessions), sink_(sink) {}

StreamingDetector::Candidate* StreamingDetector::candidateFor(const usage::FlowInfo& info,
                                                              const Session& session) {
  FlagKind kind = FlagKind::kIcaVideo;
  const StreamThresholds* thresholds = &settings_.icaVideo;
  std::string key = "ica|" + session.id;
  std::string service;
  if (!sessions_.isIcaFlow(info)) {
    if (nameMatches(info.service, settings_.meetingServices)) return nullptr;
    const bool music = nameMatches(info.service, settings_.musicServices) ||
                       nameMatches(info.category, settings_.musicCategories);
    const bool video = !music && (nameMatches(info.service, settings_.streamingServices) ||
                                  nameMatches(info.category, settings_.streamingCategories));
    if (!music && !video) return nullptr;
    kind = FlagKind::kStreamingService;
    thresholds = music ? &settings_.music : &settings_.streamingService;
    service = serviceName(info.service.empty() ? info.category : info.service);
    key = "svc|" + session.id + "|" + service;
  }
  auto it = candidates_.find(key);
  if (it == candidates_.end()) {
    it = candidates_
             .emplace(key, Candidate{kind, service, session.id, session.user,
                                     StreamWindow(*thresholds, settings_.windowSeconds,
                                                  settings_.gapMergeSeconds,
                                                  settings_.evidenceMaxMinutes),
                                     0, 0, Flag{}})
             .first;
  }
  return &it->second;
}

void StreamingDetector::onPacket(uint64_t flowId, const usage::FlowInfo& info,
                                 const usage::PacketEvent& packet) {
  advanceTo(packet.timeMicros);
  const Session* session = sessions_.sessionFor(info);
  if (session == nullptr) return;  // outside every Citrix session: usage only, never a flag
  FlowRole& role = flows_[flowId];
  if (role.generation != generation_ || role.service != info.service ||
      role.category != info.category || role.sessionId != session->id) {
    role = FlowRole{info.service, info.category, session->id, generation_,
                    candidateFor(info, *session)};
  }
  Candidate* c = role.candidate;
  if (c == nullptr) return;
  const bool down =
      c->kind == FlagKind::kIcaVideo ? sessions_.towardsUser(packet) : !packet.fromDevice;
  (down ? c->secondDown : c->secondUp) += packet.bytes;
}

void StreamingDetector::onFlowEnd(uint64_t flowId, const usage::FlowInfo& /*info*/,
                                  int64_t timeMicros) {
  advanceTo(timeMicros);
  flows_.erase(flowId);
}

void StreamingDetector::onTick(int64_t timeMicros) {
  advanceTo(timeMicros);
}

void StreamingDetector::advanceTo(int64_t timeMicros) {
  const int64_t second = timeMicros / kMicros;
  if (currentSecond_ < 0) currentSecond_ = second;
  // After a long silence (a suspended laptop, a gap in a capture), replaying every empty
  // second changes nothing once the windows have emptied: skip to the end of the gap.
  const int64_t horizon = settings_.windowSeconds + settings_.gapMergeSeconds + 2;
  while (currentSecond_ < second) {
    closeSecond(currentSecond_);
    ++currentSecond_;
    if (second - currentSecond_ > horizon && candidates_.empty()) currentSecond_ = second;
  }
}

Flag StreamingDetector::figures(const Candidate& c) const {
  const Episode& e = c.window.episode();
  Flag f = c.flag;
  f.startMicros = e.startSecond * kMicros;
  f.endMicros = e.endSecond * kMicros;
  f.avgMbps = e.avgMbps();
  f.peakMbps = e.peakMbps;
  f.bytes = e.bytesDown + e.bytesUp;
  f.perMinuteMbps = e.perMinuteMbps();
  return f;
}

void StreamingDetector::endStream(Candidate& c) {
  c.flag = figures(c);
  c.flag.open = false;
  logger("citrix").information("streaming flag " + c.flag.id + " ended after " +
                               std::to_string(c.flag.durationSeconds()) + " s");
  sink_.flagEnded(c.flag);
}

void StreamingDetector::closeSecond(int64_t second) {
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    Candidate& c = it->second;
    const bool sessionOpen = sessions_.isOpen(c.sessionId);
    const auto event = c.window.addSecond(second, c.secondDown, c.secondUp);
    c.secondDown = c.secondUp = 0;
    if (event == StreamWindow::Event::kQualified) {
      c.flag.id = newRecordId();
      c.flag.user = c.user;
      c.flag.kind = c.kind;
      c.flag.service = c.service;
      c.flag.sessionId = c.sessionId;
      c.flag.raisedMicros = (second + 1) * kMicros;
      c.flag = figures(c);
      c.flag.open = true;
      logger("citrix").warning(std::string("heavy streaming (") + flagKindName(c.kind) +
                               (c.service.empty() ? "" : ", " + c.service) + ") for user " +
                               c.user + " since " +
                               formatTimestamp(fromMicros(c.flag.startMicros)));
      sink_.flagRaised(c.flag);
    } else if (event == StreamWindow::Event::kEnded) {
      endStream(c);
    }
    if (!sessionOpen) {
      // The session is over: so is any stream in it.
      if (c.window.finish()) endStream(c);
      it = candidates_.erase(it);
      ++generation_;
    } else if (c.window.idle()) {
      it = candidates_.erase(it);
      ++generation_;
    } else {
      ++it;
    }
  }
}

void StreamingDetector::finish() {
  if (currentSecond_ < 0) return;  // nothing seen since the last finish
  closeSecond(currentSecond_);
  for (auto& [key, c] : candidates_) {
    if (c.window.finish()) endStream(c);
  }
  candidates_.clear();
  flows_.clear();
  ++generation_;
  currentSecond_ = -1;  // the next packet starts a new timeline (the next capture file)
}

}  // namespace tillid::citrix
