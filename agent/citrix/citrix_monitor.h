#pragma once
// The Citrix part of the agent in one piece, as the live agent and `replay` wire it: the
// session tracker and the streaming detector on the usage pipeline, writing sessions and
// flags to the store, the security log and the upload outbox.

#include <vector>

#include "agent/citrix/citrix_settings.h"
#include "agent/citrix/citrix_store.h"
#include "agent/citrix/session_tracker.h"
#include "agent/citrix/streaming_detector.h"
#include "agent/usage/flow_observer.h"
#include "common/config.h"
#include "platform/process_lister.h"
#include "store/writer.h"

namespace tillid::citrix {

class CitrixMonitor {
 public:
  // `writer` and `processes` (null for replayed captures) must outlive the monitor.
  CitrixMonitor(const Config& config, store::Writer& writer, platform::ProcessLister* processes);

  // To add to the usage pipeline, in this order (the detector asks the tracker).
  std::vector<usage::FlowObserver*> observers() { return {&tracker_, &detector_}; }

  // Ends running streams and open sessions: after each replayed file, and at shutdown
  // (after the pipeline's own finish, on the same thread).
  void finish();

 private:
  const Settings settings_;
  CitrixStore store_;
  SessionTracker tracker_;
  StreamingDetector detector_;
};

}  // namespace tillid::citrix
