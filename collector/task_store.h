#pragma once
// The collector's task queue and its log of administrator access, behind one interface
// so that backends can be swapped (SQLite for one machine; a shared database lets several
// collectors serve one fleet). Every method is one atomic transaction; implementations
// are thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"

namespace tillid::collector {

struct StoredTask {
  std::string id;
  std::string deviceId;
  std::string type;  // named query ("usage-summary") or order type ("offboard")
  std::string purpose;
  std::string caseRef;
  std::string requestedBy;  // the administrator's certificate CN
  std::string role;         // the role they acted in
  std::string params;       // canonical JSON object
  std::string order;        // canonical JSON of the signed order; "" when none
  std::string created;
  std::string state = "queued";  // queued, delivered, answered, refused, failed
  std::string deliveredAt;       // last delivery; "" before the first
  std::string answeredAt;
  std::string reason;  // the device's reason for refused/failed
  std::string result;  // canonical JSON object; "" before the answer
};

// One line of the collector's access log: who asked what of which device, and why.
struct AccessRecord {
  std::string time;
  std::string actor;  // administrator CN, or "device:<id>"
  std::string role;
  std::string action;    // query.queued, query.refused, query.answered, spot-check.drawn, ...
  std::string deviceId;  // "" when not about one device
  std::string purpose;
  std::string caseRef;
  std::string details;  // canonical JSON object
};

// The nonce of a signed order the collector queued; each is queued at most once.
struct OrderNonce {
  std::string nonce;
  std::string keyId;
  std::string expires;  // formatTimestamp; the record is forgotten a day after
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  virtual Status addTask(const StoredTask& task) = 0;
  // Records `nonce` and queues `task` in one transaction. false, with nothing changed,
  // when the nonce was queued before. Also forgets nonces expired a day before `now`.
  virtual Result<bool> addOrderTask(const StoredTask& task, const OrderNonce& nonce,
                                    TimePoint now) = 0;
  // The device's unanswered tasks in creation order: queued ones, and delivered ones whose
  // last delivery is older than `redeliverBefore`. Marks them delivered at `now`.
  virtual Result<std::vector<StoredTask>> takePending(const std::string& deviceId, TimePoint now,
                                                      TimePoint redeliverBefore, int64_t limit) = 0;
  // Records the device's answer. kNotFound when the device has no such task; false (and
  // nothing changed) when the task was answered before.
  virtual Result<bool> completeTask(const std::string& deviceId, const std::string& taskId,
                                    const std::string& state, const std::string& reason,
                                    const std::string& result, TimePoint now) = 0;
  virtual Result<std::optional<StoredTask>> task(const std::string& taskId) = 0;
  // Newest first; all devices when `deviceId` is empty.
  virtual Result<std::vector<StoredTask>> tasks(const std::string& deviceId, int64_t limit) = 0;

  virtual Status logAccess(const AccessRecord& record) = 0;
  // Newest first; all devices when `deviceId` is empty.
  virtual Result<std::vector<AccessRecord>> accessLog(const std::string& deviceId,
                                                      int64_t limit) = 0;

  // Asks to be told when tasks may have changed in another process (another collector on
  // the same database): `onChange(deviceId)` is then called from a thread of the store's,
  // with "" when any device's tasks may have changed. An empty function stops the calls,
  // and returns only when no call is running. Returns false when the store cannot tell,
  // so the caller must re-read it now and then (the default).
  virtual bool watchChanges(std::function<void(const std::string& deviceId)> onChange) {
    (void)onChange;
    return false;
  }
};

}  // namespace tillid::collector
