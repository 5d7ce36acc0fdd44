#pragma once
// A background thread that runs one function at start and then every interval until it is
// destroyed: the shape of every hourly duty (retention on the device and at the collector).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tillid {

class PeriodicRunner {
 public:
  // Runs `run` once on the calling thread, then every `interval` on its own thread.
  PeriodicRunner(std::chrono::milliseconds interval, std::function<void()> run);
  ~PeriodicRunner();  // stops the thread; a run in progress completes first
  PeriodicRunner(const PeriodicRunner&) = delete;
  PeriodicRunner& operator=(const PeriodicRunner&) = delete;

 private:
  const std::chrono::milliseconds interval_;
  const std::function<void()> run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tillid
