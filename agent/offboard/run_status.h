#pragma once
// A run's state as JSON: what `tillid-agent offboard status --json` prints and what the
// agent reports to the collector as "offboard-progress" records while it works (latest
// wins; tillid-admin offboard status shows it). Each step carries its progress with the
// percentage, the rate and the time left when it moves bytes.

#include <Poco/JSON/Object.h>

#include <vector>

#include "agent/offboard/offboard_store.h"

namespace tillid::offboard {

// {"profile", "case", "signer", "state", "accepted", "finished", "device", "reason",
//  "notice_seconds", "reset_starts" (no step starts before),
//  "steps": [{"index", "kind", "target", "state", "started", "finished", "progress_done",
//             "progress_total", "percent", "bytes_per_second", "eta_seconds", "error",
//             "result", "verification"}],
//  "steps_verified", "certificate_signed"}
// "percent" and "eta_seconds" are -1 when unknown.
Poco::JSON::Object::Ptr runStatusJson(const RunRecord& run, const std::vector<StepRecord>& steps);

}  // namespace tillid::offboard
