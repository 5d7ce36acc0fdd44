#pragma once
// Consumers of the flow table's events. The pipeline calls these on its own thread, in
// capture-time order; implementations must not block (they are on the packet path).

#include <cstdint>

#include "agent/usage/flow.h"

namespace tillid::usage {

class FlowObserver {
 public:
  virtual ~FlowObserver() = default;

  // Every packet of every flow. `info` is the flow's current knowledge (service and
  // destination may appear after the first packets). flowId is unique per agent run.
  virtual void onPacket(uint64_t flowId, const FlowInfo& info, const PacketEvent& packet) = 0;

  // The flow ended (TCP FIN/RST, idle expiry, eviction, or end of a replayed capture).
  virtual void onFlowEnd(uint64_t flowId, const FlowInfo& info, int64_t timeMicros) = 0;

  // Capture time advanced (called at least once a second of capture time, also when no
  // packets arrive), so time-based state can close windows.
  virtual void onTick(int64_t timeMicros) = 0;
};

}  // namespace tillid::usage
