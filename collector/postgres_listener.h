#pragma once
// LISTEN on one PostgreSQL channel from a thread of its own: calls `onNotify(payload)` for
// every distinct payload that arrives, and onNotify("") after each (re)connection since
// notifications sent while it was disconnected are lost. Polls its connection every
// `interval` (libpq reads without blocking), so a notification is seen within that time.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tillid::collector::pg {

class Listener {
 public:
  // Starts listening. `onNotify` runs on the listener's thread.
  Listener(std::string conninfo, std::string channel,
           std::function<void(const std::string& payload)> onNotify,
           std::chrono::milliseconds interval = std::chrono::milliseconds(20));
  // Stops the thread; no call of `onNotify` runs after it returns.
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  void run();
  // Waits `d` or until stopped; returns false when stopped.
  bool pause(std::chrono::milliseconds d);

  const std::string conninfo_;
  const std::string channel_;
  const std::function<void(const std::string&)> onNotify_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace tillid::collector::pg
