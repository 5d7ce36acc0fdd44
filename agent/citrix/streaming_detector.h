#pragma once
// Flags heavy streaming during Citrix sessions (docs/streaming-detection.md):
//  - ica-video: the session's ICA traffic towards the user is a sustained one-way stream;
//  - streaming-service: during a session, the flows to one streaming (or, by volume, music)
//    service add up to a sustained one-way stream.
// Video meetings are never candidates: meeting services are skipped by name, and a two-way
// pattern (upload above max_up_ratio of download) stops any stream. Flows outside every
// session are not looked at.
//
// Bytes are summed per second into candidate streams (one per session for ICA, one per
// session and service otherwise); each candidate is a StreamWindow. Runs on the pipeline's
// thread after the SessionTracker (register the tracker first); not thread-safe.

#include <map>
#include <string>
#include <unordered_map>

#include "agent/citrix/citrix_records.h"
#include "agent/citrix/session_tracker.h"
#include "agent/citrix/stream_window.h"
#include "agent/usage/flow_observer.h"

namespace tillid::citrix {

class StreamingDetector final : public usage::FlowObserver {
 public:
  // `sessions` and `sink` must outlive this object.
  StreamingDetector(const Settings& settings, const SessionTracker& sessions, CitrixSink& sink);

  void onPacket(uint64_t flowId, const usage::FlowInfo& info,
                const usage::PacketEvent& packet) override;
  void onFlowEnd(uint64_t flowId, const usage::FlowInfo& info, int64_t timeMicros) override;
  void onTick(int64_t timeMicros) override;

  // Closes the last second seen and ends all running streams (agent stop, end of a
  // replayed file). Call before SessionTracker::finish. The next packet starts a new
  // timeline, which may lie before this one (capture files need not follow in time).
  void finish();

 private:
  struct Candidate {
    FlagKind kind;
    std::string service;
    std::string sessionId;
    std::string user;
    StreamWindow window;
    uint64_t secondDown = 0;  // bytes of the second being filled
    uint64_t secondUp = 0;
    Flag flag;  // valid once the window qualified
  };

  // What a flow was last found to be, so that its next packets cost no lookups or
  // allocations while its service, category and session stay the same.
  struct FlowRole {
    std::string service;
    std::string category;
    std::string sessionId;
    uint64_t generation = 0;         // candidates_ generation the pointer belongs to
    Candidate* candidate = nullptr;  // null: not part of any candidate stream
  };

  Candidate* candidateFor(const usage::FlowInfo& info, const Session& session);
  void advanceTo(int64_t timeMicros);
  void closeSecond(int64_t second);
  Flag figures(const Candidate& c) const;
  void endStream(Candidate& c);

  const Settings settings_;
  const SessionTracker& sessions_;
  CitrixSink& sink_;
  std::map<std::string, Candidate> candidates_;  // "ica|<session>" or "svc|<session>|<service>"
  uint64_t generation_ = 1;                      // bumped whenever a candidate is erased
  std::unordered_map<uint64_t, FlowRole> flows_;
  int64_t currentSecond_ = -1;  // the second being filled
};

}  // namespace tillid::citrix
