#pragma once
// Who carries out an accepted offboarding run (configuration key offboard.executor):
//   "agent"          the agent's own thread (OffboardRunner). For development, tests, and
//                    devices where the agent runs with the reset's privileges.
//   "reset-service"  a separate privileged unit. The network-facing agent never erases
//                    anything: it leaves a request file in its state directory, the
//                    tillid-reset.path unit sees it and starts tillid-reset.service, which
//                    runs `tillid-agent offboard execute` with the capabilities the reset
//                    needs. The file stays until the run completes, so a crash or a reboot
//                    starts the service again and the run resumes.
// Thread-safe: start and stop from any thread.

#include <functional>
#include <memory>
#include <string>

#include "agent/offboard/offboard_engine.h"

namespace tillid::offboard {

class OffboardExecutor {
 public:
  // Opens a new connection to the agent's migrated database.
  using DatabaseOpener = std::function<Result<store::Database>()>;

  virtual ~OffboardExecutor() = default;
  // Called at agent start and after each accepted order: carries out, resumes or requests
  // any unfinished run; returns at once.
  virtual void start() = 0;
  // Stops carrying out (at the next checkpoint); the run resumes at the next start.
  virtual void stop() = 0;
};

std::unique_ptr<OffboardExecutor> makeOffboardExecutor(EngineSettings settings,
                                                       OffboardExecutor::DatabaseOpener open);

// Held by whoever carries out the run, so that two never do at once.
std::string offboardLockPath(const std::string& stateDir);

// The request file the reset service waits for. Written atomically; removed by
// `offboard execute` once the run completed (or when there is no run to carry out).
std::string resetRequestPath(const std::string& stateDir);
Status writeResetRequest(const std::string& stateDir, const RunRecord& run);
Status removeResetRequest(const std::string& stateDir);

}  // namespace tillid::offboard
