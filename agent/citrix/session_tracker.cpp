#include "agent/citrix/session_tracker.h"

#include <algorithm>

#include "common/logging.h"

namespace tillid::citrix {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint16_t kCgpPort = 2598;
constexpr int64_t kMicros = 1000000;

bool known(const std::string& user) {
  return !user.empty() && user != "unknown";
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

SessionTracker::SessionTracker(const Settings& settings, CitrixSink& sink,
                               platform::ProcessLister* processes)
    : settings_(settings), sink_(sink), processes_(processes) {}

std::string SessionTracker::keyFor(const std::string& user) const {
  return settings_.mode == Mode::kClient ? std::string() : user;
}

std::string SessionTracker::sourceOf(const usage::FlowInfo& info) const {
  if (info.protocol == kTcp || info.protocol == kUdp) {
    // Either end: a capture that starts mid-flow may not know which side is the client.
    for (const uint16_t port : {info.remotePort, info.localPort}) {
      if (settings_.icaPorts.count(port)) return port == kCgpPort ? "cgp" : "ica";
    }
  }
  if (nameMatches(info.service, settings_.icaServices)) return "ndpi";
  for (const auto& gateway : settings_.gatewayNames) {
    if (info.protocol == kTcp && info.remotePort == 443 &&
        (gateway == info.destination || gateway == info.remoteAddress)) {
      return "gateway";
    }
  }
  return "";
}

bool SessionTracker::isIcaFlow(const usage::FlowInfo& info) const {
  return !sourceOf(info).empty();
}

bool SessionTracker::towardsUser(const usage::PacketEvent& packet) const {
  // On a client the server's screen arrives; on a server it leaves towards the client.
  return settings_.mode == Mode::kClient ? !packet.fromDevice : packet.fromDevice;
}

const Session* SessionTracker::sessionFor(const usage::FlowInfo& info) const {
  auto it = sessions_.find(keyFor(info.user));
  return it == sessions_.end() ? nullptr : &it->second.session;
}

bool SessionTracker::isOpen(const std::string& sessionId) const {
  return std::any_of(sessions_.begin(), sessions_.end(),
                     [&](const auto& entry) { return entry.second.session.id == sessionId; });
}

SessionTracker::Tracked& SessionTracker::touch(const std::string& user, const std::string& server,
                                               const std::string& source, int64_t timeMicros) {
  const std::string key = keyFor(user);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    Tracked t;
    t.session.id = newRecordId();
    t.session.user = known(user) ? user : "unknown";
    t.session.server = server;
    t.session.startMicros = timeMicros;
    t.sources.insert(source);
    t.session.sources = source;
    t.lastEvidenceMicros = timeMicros;
    it = sessions_.emplace(key, std::move(t)).first;
    logger("citrix").information("Citrix session " + it->second.session.id + " started (" + source +
                                 ", user " + it->second.session.user + ")");
    sink_.sessionStarted(it->second.session);
    return it->second;
  }
  Tracked& t = it->second;
  if (t.session.user == "unknown" && known(user)) t.session.user = user;
  if (t.session.server.empty()) t.session.server = server;
  if (t.sources.insert(source).second) t.session.sources = joined(t.sources);
  t.lastEvidenceMicros = std::max(t.lastEvidenceMicros, timeMicros);
  return t;
}

void SessionTracker::closeSecond(Tracked& t) {
  const double mbps = static_cast<double>(t.currentSecondBytes) * 8.0 / 1e6;
  t.session.peakMbps = std::max(t.session.peakMbps, mbps);
  t.currentSecondBytes = 0;
}

void SessionTracker::onPacket(uint64_t flowId, const usage::FlowInfo& info,
                              const usage::PacketEvent& packet) {
  latestMicros_ = std::max(latestMicros_, packet.timeMicros);
  Tracked* tracked = nullptr;
  // A known ICA flow of an open session: counters only (the packet path allocates nothing).
  if (auto flow = icaFlowKeys_.find(flowId); flow != icaFlowKeys_.end()) {
    if (auto it = sessions_.find(flow->second); it != sessions_.end()) {
      tracked = &it->second;
      tracked->lastEvidenceMicros = std::max(tracked->lastEvidenceMicros, packet.timeMicros);
    }
  }
  if (tracked == nullptr) {
    const std::string source = sourceOf(info);
    if (source.empty()) return;
    // The server: what the client connects to (client mode), or this host (server mode).
    const std::string server =
        settings_.mode == Mode::kClient
            ? (info.destination.empty() ? info.remoteAddress : info.destination)
            : info.localAddress;
    tracked = &touch(info.user, server, source, packet.timeMicros);
    tracked->liveIcaFlows.insert(flowId);
    icaFlowKeys_[flowId] = keyFor(info.user);
  }
  Tracked& t = *tracked;
  if (towardsUser(packet)) {
    t.session.bytesFromServer += packet.bytes;
  } else {
    t.session.bytesToServer += packet.bytes;
  }
  const int64_t second = packet.timeMicros / kMicros;
  if (second != t.currentSecond) {
    closeSecond(t);
    t.currentSecond = second;
  }
  t.currentSecondBytes += packet.bytes;
}

void SessionTracker::onFlowEnd(uint64_t flowId, const usage::FlowInfo& /*info*/,
                               int64_t timeMicros) {
  latestMicros_ = std::max(latestMicros_, timeMicros);
  auto flow = icaFlowKeys_.find(flowId);
  if (flow == icaFlowKeys_.end()) return;
  auto it = sessions_.find(flow->second);
  if (it != sessions_.end()) {
    it->second.liveIcaFlows.erase(flowId);
    it->second.lastEvidenceMicros = std::max(it->second.lastEvidenceMicros, timeMicros);
  }
  icaFlowKeys_.erase(flow);
}

void SessionTracker::pollProcesses(int64_t timeMicros) {
  if (processes_ == nullptr || settings_.processPollSeconds <= 0 || timeMicros < nextPollMicros_) {
    return;
  }
  nextPollMicros_ = timeMicros + settings_.processPollSeconds * kMicros;
  auto listed = processes_->list();
  if (!listed) {
    logger("citrix").warning("cannot list processes: " + listed.status().message());
    return;
  }
  for (auto& [key, t] : sessions_) t.processRunning = false;
  for (const auto& process : *listed) {
    if (std::find(settings_.clientProcesses.begin(), settings_.clientProcesses.end(),
                  process.name) == settings_.clientProcesses.end()) {
      continue;
    }
    touch(process.user, "", "process", timeMicros).processRunning = true;
  }
}

void SessionTracker::onTick(int64_t timeMicros) {
  latestMicros_ = std::max(latestMicros_, timeMicros);
  pollProcesses(timeMicros);
  const int64_t grace = settings_.sessionEndGraceSeconds * kMicros;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Tracked& t = it->second;
    if (t.liveIcaFlows.empty() && !t.processRunning && timeMicros - t.lastEvidenceMicros > grace) {
      auto next = std::next(it);
      end(it, t.lastEvidenceMicros);
      it = next;
    } else {
      if (t.processRunning) t.lastEvidenceMicros = timeMicros;
      ++it;
    }
  }
}

void SessionTracker::end(std::map<std::string, Tracked>::iterator it, int64_t endMicros) {
  Tracked& t = it->second;
  closeSecond(t);
  t.session.endMicros = std::max(endMicros, t.session.startMicros);
  for (uint64_t flowId : t.liveIcaFlows) icaFlowKeys_.erase(flowId);
  logger("citrix").information("Citrix session " + t.session.id + " ended");
  sink_.sessionEnded(t.session);
  sessions_.erase(it);
}

void SessionTracker::finish() {
  while (!sessions_.empty()) {
    auto it = sessions_.begin();
    const int64_t last = it->second.liveIcaFlows.empty() && !it->second.processRunning
                             ? it->second.lastEvidenceMicros
                             : latestMicros_;
    end(it, last);
  }
  // The next event may start a new timeline (the next capture file).
  latestMicros_ = 0;
  nextPollMicros_ = 0;
}

}  // namespace tillid::citrix
