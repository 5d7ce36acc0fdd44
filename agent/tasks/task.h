#pragma once
// A task from the collector and the device's reply: the contract between the task poller
// (task_poller.h) and the handlers registered by name (queries, offboarding, ...).
// Wire form of a task: {"id", "type", "purpose", "case", "requested_by", "params": {},
// "order": <signed order, optional>}; of a reply: {"outcome", "reason", "result": {}}.

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "protocol/signed_order.h"

namespace tillid::tasks {

struct Task {
  std::string id;
  std::string type;         // the handler's name: "usage-summary", "offboard", ...
  std::string purpose;      // "spot-check", "investigation", "offboarding", ...
  std::string caseRef;      // "" when none
  std::string requestedBy;  // the administrator, as the collector authenticated them
  Poco::JSON::Object::Ptr params = new Poco::JSON::Object;  // never null
  std::optional<SignedOrder> order;
};

// Parses the wire form; a malformed "order" is an error (the task is refused).
Result<Task> parseTask(const Poco::JSON::Object::Ptr& json);

enum class TaskOutcome {
  kAnswered,  // done; `result` holds the answer
  kRefused,   // not allowed (purpose, signature, role, ...); `reason` says why
  kFailed,    // allowed but the device could not do it; `reason` says why
};

const char* taskOutcomeName(TaskOutcome outcome);

struct TaskReply {
  TaskOutcome outcome = TaskOutcome::kFailed;
  std::string reason;
  Poco::JSON::Object::Ptr result = new Poco::JSON::Object;

  static TaskReply answered(Poco::JSON::Object::Ptr result);
  static TaskReply refused(std::string reason);
  static TaskReply failed(std::string reason);
  // Refused for kPermission/kInvalidArgument, failed otherwise.
  static TaskReply fromStatus(const Status& status);
  Poco::JSON::Object::Ptr toJson() const;
};

// Handlers by task type. Register everything before the poller starts; dispatch() may
// then run on the poller's thread while nothing registers.
class TaskDispatcher final {
 public:
  using Handler = std::function<TaskReply(const Task&)>;

  // REQUIRES: no handler is registered under `type` yet.
  void add(const std::string& type, Handler handler);
  bool has(const std::string& type) const { return handlers_.count(type) != 0; }
  // Runs the handler; an unknown type is refused. A handler that throws fails the task.
  TaskReply dispatch(const Task& task) const;

 private:
  std::map<std::string, Handler> handlers_;
};

}  // namespace tillid::tasks
