#include "common/periodic_runner.h"

namespace tillid {

PeriodicRunner::PeriodicRunner(std::chrono::milliseconds interval, std::function<void()> run)
    : interval_(interval), run_(std::move(run)) {
  run_();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      run_();
      lock.lock();
    }
  });
}

PeriodicRunner::~PeriodicRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace tillid
