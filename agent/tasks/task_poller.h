#pragma once
// The agent's end of the task channel: a background thread that long-polls the collector
// (GET /v1/tasks?wait=N), runs each task through the dispatcher, writes one security-log
// entry per task (task.answered / task.refused / task.failed: who asked, when, purpose,
// case, the signing key if any) and posts the reply (POST /v1/tasks/{id}/result).
//   - A reply that cannot be delivered is kept and sent again before the next poll; a
//     task the collector delivers again while its reply is pending is not run twice.
//   - A reply the collector refuses (4xx: too large, say) is replaced by a "failed" reply
//     saying why, so the task does not stay open there and come back with every poll.
//   - Failures back off exponentially with jitter.
//   - stop() interrupts a long poll in flight (the transport watches the abort flag).
// Thread-safe: stop() from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "agent/tasks/task.h"
#include "common/config.h"
#include "protocol/transport.h"
#include "store/writer.h"

namespace tillid::tasks {

struct PollerSettings {
  std::chrono::seconds wait{25};  // how long the collector holds a poll open
  std::chrono::milliseconds backoffMin{1000};
  std::chrono::milliseconds backoffMax{300000};
};

// The "tasks.*" keys of the agent configuration.
PollerSettings pollerSettings(const Config& config);

class TaskPoller final {
 public:
  // Makes the poller's transport; it must end transfers when *abort turns true.
  using TransportFactory =
      std::function<std::unique_ptr<report::Transport>(const std::atomic<bool>* abort)>;
  // Starts the thread. `dispatcher` and `writer` must outlive the poller.
  TaskPoller(const TaskDispatcher& dispatcher, store::Writer& writer, PollerSettings settings,
             const TransportFactory& makeTransport);
  ~TaskPoller();  // stops
  TaskPoller(const TaskPoller&) = delete;
  TaskPoller& operator=(const TaskPoller&) = delete;

  void stop();

 private:
  struct PendingReply {
    std::string taskId;
    std::string body;       // canonical JSON
    bool fallback = false;  // the "failed" reply sent in place of one the collector refused
  };

  void loop();
  // One poll and its tasks. Returns false when the collector could not be reached.
  bool pollOnce();
  // Sends the pending replies in order; false when one could not be delivered.
  bool deliverReplies();
  void handle(const Poco::JSON::Object::Ptr& json);
  // Committed before the reply leaves the device.
  Status recordInSecurityLog(const Task& task, const TaskReply& reply);
  std::chrono::milliseconds backoff();

  const TaskDispatcher& dispatcher_;
  store::Writer& writer_;
  const PollerSettings settings_;
  std::atomic<bool> abort_{false};
  std::unique_ptr<report::Transport> transport_;  // used only by the thread
  std::deque<PendingReply> replies_;              // used only by the thread
  std::deque<std::string> recent_;                // ids of the last tasks run
  int failures_ = 0;
  std::mt19937_64 random_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;     // GUARDED_BY(mutex_)
  bool holdsNothing_ = true;  // no poll answer arrived whole since the start or the last failure
  std::thread thread_;
};

}  // namespace tillid::tasks
