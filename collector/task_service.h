#pragma once
// The collector's end of the task channel and the administrators' query endpoints
// (docs/protocol.md, "Tasks"). Registered on CollectorService as extra routes:
//   device (client certificate of an enrolled device):
//     GET  /v1/tasks?wait=N[&fresh=1]  long poll: the device's pending tasks; a newer poll
//                                      ends an older one; fresh=1 (the device holds no
//                                      task) also returns what was delivered, unanswered
//     POST /v1/tasks/{id}/result       the device's reply
//   administrators (client certificate whose OU is a role: viewer, investigator,
//   offboarding):
//     POST /v1/admin/tasks             queue a named query or an order for one device
//     GET  /v1/admin/tasks[?device=D]  recent tasks
//     GET  /v1/admin/tasks/{id}[?wait=N]  one task; waits for the device's answer
//     POST /v1/admin/spot-checks       draw N devices at random and query them
//     GET  /v1/admin/access-log[?device=D]
//     GET  /v1/admin/order-keys        the order-signing keys devices are given
//     GET  /v1/admin/records?kind=anchor[&device=D]  the security-log anchors devices
//                                      uploaded (hashes only; personal data is read
//                                      through collector/personal_data_reads.h)
// The collector enforces roles and purposes, and checks a signed order as the device will
// (signature, key role, device, type, purpose, case, expiry, longest validity) and that
// its nonce was never queued before; the device independently checks again. Every queued
// or refused request goes to the access log.
// Thread-safe.

#include <Poco/JSON/Object.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "collector/administrator_gate.h"
#include "collector/collector_service.h"
#include "collector/storage.h"
#include "collector/task_store.h"
#include "common/config.h"
#include "protocol/order_check.h"
#include "protocol/trusted_keys.h"

namespace tillid::collector {

struct TaskServiceSettings {
  std::chrono::seconds maxWait{60};          // longest poll the collector holds open
  std::chrono::seconds redeliverAfter{300};  // an unanswered delivered task goes out again
  // How often a waiting poll re-reads the store, for tasks queued by another collector,
  // when the store cannot report those changes itself (TaskStore::watchChanges).
  std::chrono::milliseconds recheck{1000};
  tasks::OrderValidityLimits orderValidity;  // the longest an order may be valid, by kind
};

// The "tasks.*" keys of the collector configuration.
TaskServiceSettings taskServiceSettings(const Config& config);

class TaskService final : public ApiRoutes {
 public:
  // `storage`, `tasks` and `gate` must outlive the service.
  TaskService(Storage& storage, TaskStore& tasks, const AdministratorGate& gate,
              tasks::TrustedKeys orderKeys, TaskServiceSettings settings);
  ~TaskService() override;
  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  // The answer when the request is one of the routes above, nullopt otherwise.
  std::optional<ApiResponse> route(const ApiRequest& request) const override;

  // Queues a task the collector itself sends (no order, e.g. a notice to the device) and
  // wakes the device's poll. Fills in the id and creation time.
  Status enqueue(StoredTask task) const;

  // Ends every waiting poll now (at shutdown, before the server stops).
  void shutdown();

 private:
  ApiResponse pollTasks(const ApiRequest& request, const std::string& deviceId) const;
  ApiResponse taskResult(const ApiRequest& request, const std::string& deviceId,
                         const std::string& taskId) const;
  ApiResponse createTask(const ApiRequest& request, const std::string& role) const;
  ApiResponse spotCheck(const ApiRequest& request, const std::string& role) const;
  ApiResponse showTask(const ApiRequest& request, const std::string& taskId) const;
  ApiResponse listTasks(const ApiRequest& request) const;
  ApiResponse accessLog(const ApiRequest& request) const;
  ApiResponse records(const ApiRequest& request) const;
  // The device's checks of a signed order (tasks::checkOrder) against the collector's
  // order keys, before it is queued; the nonce is claimed as the task is queued.
  // kPermission with the reason.
  Status checkOrderToQueue(const tasks::SignedOrder& order, const std::string& deviceId,
                           const std::string& type, const std::string& purpose,
                           const std::string& caseRef) const;
  // Logs a refusal and returns the 403 the administrator sees.
  ApiResponse refuse(const ApiRequest& request, const std::string& role,
                     const Poco::JSON::Object& body, const std::string& reason) const;
  // How many changes of `deviceId`'s tasks (or of every device's) were seen so far.
  // REQUIRES: mutex_ held.
  uint64_t changeCount(const std::string& deviceId) const;
  // Waits until `deadline` or a change of `deviceId`'s tasks after `seen`, whichever is
  // first (and re-reads now and then when the store cannot report other collectors').
  void waitForChange(const std::string& deviceId, uint64_t seen,
                     std::chrono::steady_clock::time_point deadline) const;
  // Wakes the waits for `deviceId`'s tasks; "" wakes every wait.
  void notifyChange(const std::string& deviceId) const;

  Storage& storage_;
  TaskStore& tasks_;
  const AdministratorGate& gate_;
  const tasks::TrustedKeys orderKeys_;
  const TaskServiceSettings settings_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable uint64_t generation_ = 0;  // GUARDED_BY(mutex_): bumped by changes of any device
  // GUARDED_BY(mutex_): bumped by changes of one device's tasks
  mutable std::unordered_map<std::string, uint64_t> deviceChanges_;
  // GUARDED_BY(mutex_): the number of the latest poll of each device; earlier ones end
  mutable std::unordered_map<std::string, uint64_t> polls_;
  bool watched_ = false;       // the store reports other collectors' changes (set once)
  bool shuttingDown_ = false;  // GUARDED_BY(mutex_)
};

}  // namespace tillid::collector
