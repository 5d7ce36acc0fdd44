#pragma once
// Recognises Citrix sessions from the flows the usage pipeline reports (ICA/CGP on the
// configured ports over TCP and UDP, nDPI's Citrix service, TLS to a configured gateway)
// and from the Citrix client's processes, and keeps each session's figures.
//
// Client mode: the device has one user, so there is at most one session at a time (all
// ICA flows and client processes belong to it). Server mode: one session per user, keyed
// by FlowInfo.user of the ICA flows and by the owner of the session processes.
//
// A session stays open while an ICA flow is live or a client process runs, and ends
// sessionEndGraceSeconds after the last of them (so a Session Reliability reconnect does
// not split it). Runs on the pipeline's thread; not thread-safe.

#include <map>
#include <set>
#include <string>

#include "agent/citrix/citrix_records.h"
#include "agent/citrix/citrix_settings.h"
#include "agent/usage/flow_observer.h"
#include "platform/process_lister.h"

namespace tillid::citrix {

class SessionTracker final : public usage::FlowObserver {
 public:
  // `sink` receives session starts and ends and must outlive this object. `processes`
  // may be null (replayed captures: no processes to look at); if given it must outlive
  // this object and is polled every processPollSeconds of capture time.
  SessionTracker(const Settings& settings, CitrixSink& sink, platform::ProcessLister* processes);

  void onPacket(uint64_t flowId, const usage::FlowInfo& info,
                const usage::PacketEvent& packet) override;
  void onFlowEnd(uint64_t flowId, const usage::FlowInfo& info, int64_t timeMicros) override;
  void onTick(int64_t timeMicros) override;

  // Ends every open session at the latest time seen (agent stop, end of a replayed file).
  void finish();

  // Whether the flow carries the Citrix session itself (ICA, CGP, gateway TLS).
  bool isIcaFlow(const usage::FlowInfo& info) const;
  // Whether the flow's bytes travel from the Citrix server towards the user.
  bool towardsUser(const usage::PacketEvent& packet) const;
  // The open session a flow belongs to (client mode: the open session; server mode: the
  // open session of info.user), or null.
  const Session* sessionFor(const usage::FlowInfo& info) const;
  // Whether the session with this id is still open.
  bool isOpen(const std::string& sessionId) const;

 private:
  struct Tracked {
    Session session;
    std::set<uint64_t> liveIcaFlows;
    std::set<std::string> sources;
    bool processRunning = false;
    int64_t lastEvidenceMicros = 0;
    int64_t currentSecond = -1;  // for the per-second peak
    uint64_t currentSecondBytes = 0;
  };

  std::string keyFor(const std::string& user) const;
  Tracked& touch(const std::string& user, const std::string& server, const std::string& source,
                 int64_t timeMicros);
  std::string sourceOf(const usage::FlowInfo& info) const;
  void pollProcesses(int64_t timeMicros);
  void end(std::map<std::string, Tracked>::iterator it, int64_t endMicros);
  static void closeSecond(Tracked& t);

  const Settings settings_;
  CitrixSink& sink_;
  platform::ProcessLister* processes_;
  std::map<std::string, Tracked> sessions_;      // by key: "" in client mode, user in server mode
  std::map<uint64_t, std::string> icaFlowKeys_;  // live ICA flow -> session key
  int64_t nextPollMicros_ = 0;
  int64_t latestMicros_ = 0;  // capture time of the latest event
};

}  // namespace tillid::citrix
