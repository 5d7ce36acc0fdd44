#pragma once
// The running agent's offboarding thread: carries out (or, after a restart, resumes) the
// accepted run with its own database connection, and stops between steps (or inside a
// long overwrite at a checkpoint) when the agent stops. Thread-safe: start and stop from
// any thread. The executor for offboard.executor "agent" (offboard_executor.h).

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/offboard/offboard_executor.h"

namespace tillid::offboard {

class OffboardRunner final : public OffboardExecutor {
 public:
  OffboardRunner(EngineSettings settings, DatabaseOpener openDatabase)
      : settings_(std::move(settings)), openDatabase_(std::move(openDatabase)) {}
  ~OffboardRunner() override { stop(); }
  OffboardRunner(const OffboardRunner&) = delete;
  OffboardRunner& operator=(const OffboardRunner&) = delete;

  // Starts the thread unless it is running; it ends at once when no order was accepted.
  void start() override;
  void stop() override;

 private:
  void work();

  const EngineSettings settings_;
  const DatabaseOpener openDatabase_;
  std::mutex mutex_;
  std::thread thread_;  // GUARDED_BY(mutex_)
  std::atomic<bool> stop_{false};
  std::atomic<bool> working_{false};
};

}  // namespace tillid::offboard
