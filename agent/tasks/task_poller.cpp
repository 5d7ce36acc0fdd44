#include "agent/tasks/task_poller.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cmath>

#include "agent/audit/audit_log.h"
#include "common/canonical_json.h"
#include "common/logging.h"

namespace tillid::tasks {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr size_t kRecentTasks = 1000;
constexpr size_t kMaxPendingReplies = 1000;

}  // namespace

PollerSettings pollerSettings(const Config& config) {
  PollerSettings s;
  s.wait = std::chrono::seconds(config.integer("tasks.poll_wait_seconds"));
  s.backoffMin = std::chrono::milliseconds(config.integer("tasks.backoff_min_ms"));
  s.backoffMax = std::chrono::milliseconds(config.integer("tasks.backoff_max_ms"));
  return s;
}

TaskPoller::TaskPoller(const TaskDispatcher& dispatcher, store::Writer& writer,
                       PollerSettings settings, const TransportFactory& makeTransport)
    : dispatcher_(dispatcher),
      writer_(writer),
      settings_(settings),
      transport_(makeTransport(&abort_)),
      random_(std::random_device{}()) {
  thread_ = std::thread([this] { loop(); });
}

TaskPoller::~TaskPoller() {
  stop();
}

void TaskPoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  abort_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskPoller::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const bool reached = deliverReplies() && pollOnce();
    const auto pause = reached ? std::chrono::milliseconds(0) : backoff();
    lock.lock();
    if (pause.count() > 0) wake_.wait_for(lock, pause, [this] { return stopping_; });
  }
}

std::chrono::milliseconds TaskPoller::backoff() {
  ++failures_;
  const double base = static_cast<double>(settings_.backoffMin.count()) *
                      std::pow(2.0, std::min(failures_ - 1, 20));
  const double capped = std::min(base, static_cast<double>(settings_.backoffMax.count()));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(capped * jitter(random_)));
}

bool TaskPoller::deliverReplies() {
  while (!replies_.empty()) {
    const PendingReply& reply = replies_.front();
    auto response = transport_->send(
        {"POST", "/v1/tasks/" + reply.taskId + "/result", "application/json", {}, reply.body});
    if (!response) {
      logger("tasks").warning("cannot deliver the reply to task " + reply.taskId + ": " +
                              response.status().message());
      return false;
    }
    if (response->status >= 500) {
      logger("tasks").warning("the collector answered HTTP " + std::to_string(response->status) +
                              " to the reply for task " + reply.taskId);
      return false;
    }
    if (response->status >= 400) {
      logger("tasks").warning("the collector refused the reply to task " + reply.taskId + ": " +
                              response->body.substr(0, 300));
      // The collector will never take this reply. Unless the task is unknown there (404) or
      // this already is the short "failed" reply, close the task with the reason instead:
      // left open, it would come back with every poll.
      if (response->status != 404 && !reply.fallback) {
        const TaskReply failed = TaskReply::failed("the collector refused the answer: HTTP " +
                                                   std::to_string(response->status) + ": " +
                                                   response->body.substr(0, 200));
        replies_.front() = {reply.taskId, canonicalJson(failed.toJson()), true};
        continue;
      }
    }
    replies_.pop_front();
  }
  return true;
}

bool TaskPoller::pollOnce() {
  // Until a poll's answer arrives whole, tasks the collector handed out may never have
  // reached this process: "fresh" asks for them again.
  auto response = transport_->send({"GET",
                                    "/v1/tasks?wait=" + std::to_string(settings_.wait.count()) +
                                        (holdsNothing_ ? "&fresh=1" : ""),
                                    "",
                                    {},
                                    ""});
  holdsNothing_ = !response || response->status != 200;
  if (!response) {
    if (!abort_) logger("tasks").warning("task poll failed: " + response.status().message());
    return false;
  }
  if (response->status != 200) {
    logger("tasks").warning("task poll: HTTP " + std::to_string(response->status) + ": " +
                            response->body.substr(0, 300));
    return false;
  }
  auto body = parseJsonObject(response->body);
  const Array::Ptr list = body ? (*body)->getArray("tasks") : nullptr;
  if (!list) {
    holdsNothing_ = true;
    logger("tasks").warning("task poll: the answer holds no 'tasks' list");
    return false;
  }
  failures_ = 0;
  for (size_t i = 0; i < list->size() && !abort_; ++i) {
    handle(list->getObject(static_cast<unsigned>(i)));
  }
  return true;
}

void TaskPoller::handle(const Object::Ptr& json) {
  auto task = parseTask(json);
  TaskReply reply;
  Task described;
  if (task) {
    described = *task;
    if (std::find(recent_.begin(), recent_.end(), described.id) != recent_.end()) return;
    reply = dispatcher_.dispatch(described);
  } else {
    // Refuse what can be named, so the administrator learns why; drop the rest.
    described.id = json && json->has("id") && json->get("id").isString()
                       ? json->getValue<std::string>("id")
                       : "";
    if (described.id.empty()) return;
    described.type = json->optValue<std::string>("type", "");
    described.requestedBy = json->optValue<std::string>("requested_by", "");
    reply = TaskReply::refused("malformed task: " + task.status().message());
  }
  recent_.push_back(described.id);
  if (recent_.size() > kRecentTasks) recent_.pop_front();
  if (Status logged = recordInSecurityLog(described, reply); !logged) {
    // Nothing leaves the device that the security log does not show.
    reply = TaskReply::failed("cannot write the security log: " + logged.message());
  }
  if (replies_.size() >= kMaxPendingReplies) replies_.pop_front();
  replies_.push_back({described.id, canonicalJson(reply.toJson())});
  (void)deliverReplies();
}

Status TaskPoller::recordInSecurityLog(const Task& task, const TaskReply& reply) {
  Object::Ptr details = new Object;
  details->set("task", task.id);
  details->set("type", task.type);
  details->set("purpose", task.purpose);
  details->set("case", task.caseRef);
  // A notice of a read at the collector says what was read there, and when.
  for (const char* key : {"user", "read", "read_at"}) {
    if (task.params->has(key)) details->set(key, task.params->get(key));
  }
  if (!reply.reason.empty()) details->set("reason", reply.reason);
  if (task.order) {
    details->set("order_key", task.order->keyId);
    details->set("order_issued_by", task.order->order.issuedBy);
  }
  const std::string actor = task.requestedBy.empty() ? "collector" : "admin:" + task.requestedBy;
  const std::string action = std::string("task.") + taskOutcomeName(reply.outcome);
  return store::runInWriter<audit::Entry>(writer_,
                                          [actor, action, details](store::Database& db) {
                                            return audit::append(db, actor, action, details);
                                          })
      .status();
}

}  // namespace tillid::tasks
