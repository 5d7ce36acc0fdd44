#pragma once
// One handler per kind of offboarding step: what the step does and how it is checked.
// The engine (offboard_engine.h) runs them in plan order and persists their states; a
// handler works only through the platform services in its context's settings, the
// engine's database and the run, so tests drive each one with fakes of the platform.
// Handlers are stateless; one thread runs a handler at a time.

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "agent/offboard/offboard_engine.h"
#include "agent/offboard/offboard_store.h"
#include "store/database.h"

namespace tillid::offboard {

struct StepContext {
  const EngineSettings& settings;      // REQUIRES: every platform service set
  store::Database& db;                 // the engine's connection to the agent's database
  RunRecord& run;                      // the certificate step records its certificate here
  const std::vector<StepRecord>& all;  // the whole plan: target lists are built from it
  const std::atomic<bool>* stop = nullptr;
  // A step that moves bytes reports each checkpoint (done of total); the engine saves it
  // so that a resumed step starts from it and `offboard status` shows it.
  std::function<void(StepRecord& step, uint64_t done, uint64_t total)> progress;
};

class StepHandler {
 public:
  virtual ~StepHandler() = default;
  // Carries out `step` and records what it did in step.resultJson. Idempotent: a step
  // interrupted or failed half way runs again from the start (a block overwrite from its
  // last checkpoint, step.progressDone). kUnavailable when *stop turned true.
  virtual Status act(StepContext& context, StepRecord& step) const = 0;
  // Checks the step's effect and records how in step.verificationJson: kCorrupt when the
  // check finds something left; other errors when the check itself could not run (then
  // nothing is recorded).
  virtual Status verify(StepContext& context, StepRecord& step) const = 0;
};

const StepHandler& stepHandler(StepKind kind);

}  // namespace tillid::offboard
