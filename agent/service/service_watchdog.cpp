#include "agent/service/service_watchdog.h"

namespace tillid {

ServiceWatchdog::ServiceWatchdog(store::Writer& writer, platform::ServiceNotifier& notifier)
    : writer_(writer), notifier_(notifier) {
  const auto timeout = notifier_.watchdogTimeout();
  if (timeout.count() > 0) thread_ = std::thread([this, timeout] { loop(timeout / 2); });
}

ServiceWatchdog::~ServiceWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ServiceWatchdog::loop(std::chrono::microseconds period) {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    // The job's result does not matter (a full disk is reported elsewhere); that the
    // writer thread ran it does.
    writer_.submit([](store::Database&) { return Status::ok(); });
    (void)writer_.flush();
    notifier_.watchdog();
    lock.lock();
    wake_.wait_for(lock, period, [&] { return stopping_; });
  }
}

}  // namespace tillid
