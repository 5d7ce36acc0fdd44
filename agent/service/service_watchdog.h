#pragma once
// Keeps the service manager's watchdog fed while the agent makes progress. Each ping
// first pushes an empty job through the store's writer and waits for it, so a writer
// stuck on a hung disk or a deadlock stops the pings, and systemd (WatchdogSec=) restarts
// the agent instead of leaving a process that records nothing.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "platform/service_notifier.h"
#include "store/writer.h"

namespace tillid {

class ServiceWatchdog {
 public:
  // Pings at half of notifier.watchdogTimeout(); does nothing (no thread) when that is
  // zero. Both references must outlive this object.
  ServiceWatchdog(store::Writer& writer, platform::ServiceNotifier& notifier);
  ~ServiceWatchdog();  // stops the thread
  ServiceWatchdog(const ServiceWatchdog&) = delete;
  ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;

 private:
  void loop(std::chrono::microseconds period);

  store::Writer& writer_;
  platform::ServiceNotifier& notifier_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tillid
