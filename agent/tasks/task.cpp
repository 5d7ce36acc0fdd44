#include "agent/tasks/task.h"

#include <stdexcept>

#include "common/canonical_json.h"

namespace tillid::tasks {

using Poco::JSON::Object;

Result<Task> parseTask(const Object::Ptr& json) {
  if (!json) return Status::error(ErrorCode::kInvalidArgument, "the task is not an object");
  Task task;
  task.id = stringMember(*json, "id");
  task.type = stringMember(*json, "type");
  if (task.id.empty() || task.type.empty()) {
    return Status::error(ErrorCode::kInvalidArgument, "a task needs 'id' and 'type'");
  }
  task.purpose = stringMember(*json, "purpose");
  task.caseRef = stringMember(*json, "case");
  task.requestedBy = stringMember(*json, "requested_by");
  if (json->has("params")) {
    task.params = json->getObject("params");
    if (!task.params) {
      return Status::error(ErrorCode::kInvalidArgument, "task 'params' must be an object");
    }
  }
  if (json->has("order") && !json->isNull("order")) {
    auto order = parseSignedOrder(json->getObject("order"));
    if (!order) return order.status();
    task.order = std::move(*order);
  }
  return task;
}

const char* taskOutcomeName(TaskOutcome outcome) {
  switch (outcome) {
    case TaskOutcome::kAnswered:
      return "answered";
    case TaskOutcome::kRefused:
      return "refused";
    case TaskOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

TaskReply TaskReply::answered(Object::Ptr result) {
  return {TaskOutcome::kAnswered, "", result ? result : Object::Ptr(new Object)};
}
TaskReply TaskReply::refused(std::string reason) {
  return {TaskOutcome::kRefused, std::move(reason), new Object};
}
TaskReply TaskReply::failed(std::string reason) {
  return {TaskOutcome::kFailed, std::move(reason), new Object};
}

TaskReply TaskReply::fromStatus(const Status& status) {
  const bool refusal =
      status.code() == ErrorCode::kPermission || status.code() == ErrorCode::kInvalidArgument;
  return refusal ? refused(status.message()) : failed(status.message());
}

Object::Ptr TaskReply::toJson() const {
  Object::Ptr o = new Object;
  o->set("outcome", taskOutcomeName(outcome));
  o->set("reason", reason);
  o->set("result", result);
  return o;
}

void TaskDispatcher::add(const std::string& type, Handler handler) {
  if (!handlers_.emplace(type, std::move(handler)).second) {
    throw std::logic_error("task handler registered twice: " + type);
  }
}

TaskReply TaskDispatcher::dispatch(const Task& task) const {
  const auto it = handlers_.find(task.type);
  if (it == handlers_.end()) {
    return TaskReply::refused("this device does not know the task type '" + task.type + "'");
  }
  try {
    return it->second(task);
  } catch (const std::exception& e) {
    return TaskReply::failed(std::string("the handler failed: ") + e.what());
  }
}

}  // namespace tillid::tasks
