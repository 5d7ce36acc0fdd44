#include "collector/task_service.h"

#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>

#include "common/canonical_json.h"
#include "common/digest.h"
#include "common/logging.h"
#include "common/random_hex.h"
#include "protocol/order_check.h"
#include "protocol/purpose_rules.h"
#include "protocol/signed_order.h"

namespace tillid::collector {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

bool isQuery(const std::string& type) {
  const auto& queries = tasks::namedQueries();
  return std::find(queries.begin(), queries.end(), type) != queries.end();
}

std::string queryParameter(const std::string& query, const std::string& name) {
  try {
    for (const auto& [key, value] : Poco::URI("/?" + query).getQueryParameters()) {
      if (key == name) return value;
    }
  } catch (const Poco::Exception&) {
  }
  return "";
}

int64_t integerParameter(const std::string& query, const std::string& name, int64_t fallback) {
  int64_t value = fallback;
  const std::string text = queryParameter(query, name);
  if (!text.empty() && !Poco::NumberParser::tryParse64(text, value)) return fallback;
  return value;
}

std::string newTaskId() {
  std::string uuid = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
  return "t-" + uuid.substr(0, 24);
}

// A draw anyone can re-check from the access log with any SHA-256 tool: each device ranks
// by SHA-256(seed + "\n" + device id) in hex, and the `count` lowest ranks are drawn.
std::vector<std::string> drawDevices(const std::vector<std::string>& population,
                                     const std::string& seed, size_t count) {
  std::vector<std::pair<std::string, std::string>> ranked;
  for (const auto& id : population) ranked.emplace_back(sha256Hex(seed + "\n" + id), id);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> drawn;
  for (size_t i = 0; i < std::min(count, ranked.size()); ++i) drawn.push_back(ranked[i].second);
  return drawn;
}

// The wire form the device receives (agent/tasks/task.h).
Object::Ptr deviceTaskJson(const StoredTask& t) {
  Object::Ptr o = new Object;
  o->set("id", t.id);
  o->set("type", t.type);
  o->set("purpose", t.purpose);
  o->set("case", t.caseRef);
  o->set("requested_by", t.requestedBy);
  o->set("params", parsedOrEmpty(t.params));
  if (!t.order.empty()) o->set("order", parsedOrEmpty(t.order));
  return o;
}

// A task as administrators see it. The device's answer may be personal data: only the
// administrator who asked sees it (their request is the logged access); others see its state.
Object::Ptr adminTaskJson(const StoredTask& t, const std::string& reader) {
  Object::Ptr o = deviceTaskJson(t);
  o->set("device", t.deviceId);
  o->set("role", t.role);
  o->set("created", t.created);
  o->set("state", t.state);
  o->set("delivered_at", t.deliveredAt);
  o->set("answered_at", t.answeredAt);
  o->set("reason", t.reason);
  if (!t.result.empty()) {
    if (reader == t.requestedBy) {
      o->set("result", parsedOrEmpty(t.result));
    } else {
      o->set("result_withheld", "the answer is shown only to " + t.requestedBy + ", who asked");
    }
  }
  return o;
}

Object::Ptr accessJson(const AccessRecord& r) {
  Object::Ptr o = new Object;
  o->set("time", r.time);
  o->set("actor", r.actor);
  o->set("role", r.role);
  o->set("action", r.action);
  o->set("device", r.deviceId);
  o->set("purpose", r.purpose);
  o->set("case", r.caseRef);
  o->set("details", parsedOrEmpty(r.details));
  return o;
}

}  // namespace

TaskServiceSettings taskServiceSettings(const Config& config) {
  TaskServiceSettings s;
  s.maxWait = std::chrono::seconds(config.integer("tasks.max_wait_seconds"));
  s.redeliverAfter = std::chrono::seconds(config.integer("tasks.redeliver_after_seconds"));
  s.orderValidity = tasks::orderValidityLimits(config);
  return s;
}

TaskService::TaskService(Storage& storage, TaskStore& tasks, const AdministratorGate& gate,
                         tasks::TrustedKeys orderKeys, TaskServiceSettings settings)
    : storage_(storage),
      tasks_(tasks),
      gate_(gate),
      orderKeys_(std::move(orderKeys)),
      settings_(settings) {
  // Another collector on the same database queued or answered a task: wake the polls.
  watched_ = tasks_.watchChanges([this](const std::string& deviceId) { notifyChange(deviceId); });
}

TaskService::~TaskService() {
  if (watched_) tasks_.watchChanges(nullptr);
}

std::optional<ApiResponse> TaskService::route(const ApiRequest& request) const {
  Poco::StringTokenizer parts(request.path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (parts.count() >= 2 && parts[0] == "v1" && parts[1] == "tasks") {
    if (!request.clientCommonName) {
      return errorResponse(401, "client_certificate_required", "tasks are for enrolled devices");
    }
    auto device = storage_.device(*request.clientCommonName);
    if (!device) return storageFailure(device.status());
    if (!device->has_value()) {
      return errorResponse(403, "unknown_device",
                           "the client certificate does not belong to an enrolled device");
    }
    if (parts.count() == 2 && get) return pollTasks(request, *request.clientCommonName);
    if (parts.count() == 4 && parts[3] == "result" && post) {
      return taskResult(request, *request.clientCommonName, parts[2]);
    }
    return errorResponse(404, "not_found", "no endpoint " + request.method + " " + request.path);
  }
  const bool mine = parts.count() >= 3 && parts[0] == "v1" && parts[1] == "admin" &&
                    (parts[2] == "tasks" || parts[2] == "spot-checks" || parts[2] == "access-log" ||
                     parts[2] == "order-keys" || parts[2] == "records");
  if (!mine) return std::nullopt;
  auto admitted = gate_.admit(request);
  if (auto* refusal = std::get_if<ApiResponse>(&admitted)) return *refusal;
  const std::string role = std::get<Administrator>(admitted).role;
  if (parts[2] == "tasks" && parts.count() == 3) {
    if (post) return createTask(request, role);
    if (get) return listTasks(request);
  }
  if (parts[2] == "tasks" && parts.count() == 4 && get) return showTask(request, parts[3]);
  if (parts[2] == "spot-checks" && parts.count() == 3 && post) return spotCheck(request, role);
  if (parts[2] == "access-log" && parts.count() == 3 && get) return accessLog(request);
  if (parts[2] == "records" && parts.count() == 3 && get) return records(request);
  if (parts[2] == "order-keys" && parts.count() == 3 && get) {
    return ApiResponse{200, orderKeys_.toJson()};
  }
  return errorResponse(404, "not_found", "no endpoint " + request.method + " " + request.path);
}

uint64_t TaskService::changeCount(const std::string& deviceId) const {
  const auto device = deviceChanges_.find(deviceId);
  return generation_ + (device == deviceChanges_.end() ? 0 : device->second);
}

void TaskService::notifyChange(const std::string& deviceId) const {
  {
    std::lock_guard lock(mutex_);
    if (deviceId.empty()) {
      ++generation_;
    } else {
      ++deviceChanges_[deviceId];
    }
  }
  changed_.notify_all();
}

void TaskService::waitForChange(const std::string& deviceId, uint64_t seen,
                                std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  // A store that reports other collectors' changes needs no re-reading in between.
  const auto until = watched_
                         ? deadline
                         : std::min(deadline, std::chrono::steady_clock::now() + settings_.recheck);
  changed_.wait_until(lock, until, [&] { return changeCount(deviceId) != seen || shuttingDown_; });
}

void TaskService::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shuttingDown_ = true;
  }
  changed_.notify_all();
}

ApiResponse TaskService::pollTasks(const ApiRequest& request, const std::string& deviceId) const {
  const auto wait = std::chrono::seconds(std::clamp<int64_t>(
      integerParameter(request.query, "wait", 0), 0, settings_.maxWait.count()));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  // A device polls once at a time: a new poll means an earlier one is dead (the agent
  // restarted, the connection broke), so the earlier one ends now rather than take tasks
  // for a reader that is gone. And a poll that says it holds nothing ("fresh": the first
  // after a start or a failed poll) gets again what was delivered and not answered.
  uint64_t poll = 0;
  {
    std::lock_guard lock(mutex_);
    poll = ++polls_[deviceId];
  }
  notifyChange(deviceId);
  const bool fresh = queryParameter(request.query, "fresh") == "1";
  while (true) {
    uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = changeCount(deviceId);
      if (shuttingDown_ || polls_[deviceId] != poll) break;
    }
    const TimePoint now = WallClock::now();
    auto pending =
        tasks_.takePending(deviceId, now, fresh ? now : now - settings_.redeliverAfter, 50);
    if (!pending) return storageFailure(pending.status());
    if (!pending->empty() || std::chrono::steady_clock::now() >= deadline) {
      Array::Ptr list = new Array;
      for (const auto& t : *pending) list->add(deviceTaskJson(t));
      Object::Ptr out = new Object;
      out->set("tasks", list);
      return {200, out};
    }
    waitForChange(deviceId, seen, deadline);
  }
  Object::Ptr out = new Object;
  out->set("tasks", Array::Ptr(new Array));
  return {200, out};
}

ApiResponse TaskService::taskResult(const ApiRequest& request, const std::string& deviceId,
                                    const std::string& taskId) const {
  auto body = parseJsonObject(request.body);
  if (!body) return errorResponse(400, "malformed", body.status().message());
  const std::string outcome = stringMember(**body, "outcome");
  if (outcome != "answered" && outcome != "refused" && outcome != "failed") {
    return errorResponse(400, "malformed", "'outcome' must be answered, refused or failed");
  }
  const Object::Ptr result = (*body)->getObject("result");
  // The access-log entry goes first: an answer is never stored unlogged (a failed log is a
  // 503, and the device sends the answer again); a repeated answer is not logged again.
  auto task = tasks_.task(taskId);
  if (!task) return storageFailure(task.status());
  const bool open = task->has_value() && (*task)->deviceId == deviceId &&
                    ((*task)->state == "queued" || (*task)->state == "delivered");
  if (open) {
    const StoredTask& t = **task;
    Object::Ptr details = new Object;
    details->set("task", t.id);
    details->set("type", t.type);
    details->set("reason", stringMember(**body, "reason"));
    if (Status logged = tasks_.logAccess({formatTimestamp(WallClock::now()), t.requestedBy, t.role,
                                          "query." + outcome, deviceId, t.purpose, t.caseRef,
                                          canonicalJson(details)});
        !logged) {
      return storageFailure(logged);
    }
  }
  auto stored = tasks_.completeTask(deviceId, taskId, outcome, stringMember(**body, "reason"),
                                    result ? canonicalJson(result) : "{}", WallClock::now());
  if (!stored) {
    if (stored.status().code() == ErrorCode::kNotFound) {
      return errorResponse(404, "unknown_task", stored.status().message());
    }
    return storageFailure(stored.status());
  }
  if (*stored) notifyChange(deviceId);
  Object::Ptr out = new Object;
  out->set("status", *stored ? "stored" : "duplicate");
  return {200, out};
}

ApiResponse TaskService::refuse(const ApiRequest& request, const std::string& role,
                                const Object& body, const std::string& reason) const {
  Object::Ptr details = new Object;
  details->set("type", stringMember(body, "type"));
  details->set("reason", reason);
  if (Status logged = tasks_.logAccess({formatTimestamp(WallClock::now()),
                                        *request.clientCommonName, role, "query.refused",
                                        stringMember(body, "device"), stringMember(body, "purpose"),
                                        stringMember(body, "case"), canonicalJson(details)});
      !logged) {
    return storageFailure(logged);
  }
  return errorResponse(403, "refused", reason);
}

ApiResponse TaskService::createTask(const ApiRequest& request, const std::string& role) const {
  auto parsed = parseJsonObject(request.body);
  if (!parsed) return errorResponse(400, "malformed", parsed.status().message());
  const Object& body = **parsed;
  const std::string deviceId = stringMember(body, "device");
  const std::string type = stringMember(body, "type");
  const std::string purpose = stringMember(body, "purpose");
  const std::string caseRef = stringMember(body, "case");
  Object::Ptr params = body.getObject("params");
  if (!params) params = new Object;
  auto device = storage_.device(deviceId);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) return errorResponse(404, "unknown_device", "no device " + deviceId);

  std::optional<tasks::SignedOrder> order;
  if (body.has("order") && !body.isNull("order")) {
    auto signedOrder = tasks::parseSignedOrder(body.getObject("order"));
    if (!signedOrder) return refuse(request, role, body, signedOrder.status().message());
    order = *signedOrder;
  }
  // The same rules the device applies, checked here first so the administrator hears at
  // once; the device checks again and is the one that counts.
  std::string neededRole;
  if (isQuery(type)) {
    // A spot check is queued only by its draw (spotCheck), so here it is never drawn.
    Status permitted = tasks::checkAccess({purpose, type, role, caseRef, order.has_value(), false});
    if (!permitted) return refuse(request, role, body, permitted.message());
    if (tasks::purposeRule(purpose)->needsOrder) neededRole = tasks::kRoleInvestigator;
  } else if (type == "offboard") {
    neededRole = tasks::kRoleOffboarding;
  } else if (type == "trusted-keys") {
    neededRole = role == tasks::kRoleViewer ? tasks::kRoleInvestigator : role;
  } else {
    return refuse(request, role, body, "unknown task type '" + type + "'");
  }
  if (!neededRole.empty()) {
    if (role != neededRole) {
      return refuse(request, role, body,
                    "'" + type + "' for " + purpose + " needs the " + neededRole +
                        " role, the certificate has " + role);
    }
    if (!order) return refuse(request, role, body, "'" + type + "' needs a signed order");
    auto checked = checkOrderToQueue(*order, deviceId, type, purpose, caseRef);
    if (!checked) return refuse(request, role, body, checked.message());
  }

  StoredTask task;
  task.id = newTaskId();
  task.deviceId = deviceId;
  task.type = type;
  task.purpose = purpose;
  task.caseRef = caseRef;
  task.requestedBy = *request.clientCommonName;
  task.role = role;
  task.params = canonicalJson(params);
  task.order = order ? canonicalJson(tasks::signedOrderToJson(*order)) : "";
  const TimePoint now = WallClock::now();
  task.created = formatTimestamp(now);
  if (order) {
    auto fresh = tasks_.addOrderTask(
        task,
        {order->order.nonce, order->keyId, formatTimestamp(*parseTimestamp(order->order.expires))},
        now);
    if (!fresh) return storageFailure(fresh.status());
    if (!*fresh) {
      return refuse(request, role, body,
                    "signed order refused: nonce " + order->order.nonce +
                        " was queued before (replay); sign a new order");
    }
  } else if (Status stored = tasks_.addTask(task); !stored) {
    return storageFailure(stored);
  }
  Object::Ptr details = new Object;
  details->set("task", task.id);
  details->set("type", type);
  Status logged = tasks_.logAccess({task.created, task.requestedBy, role, "query.queued", deviceId,
                                    purpose, caseRef, canonicalJson(details)});
  if (!logged) return storageFailure(logged);
  notifyChange(deviceId);
  return {201, adminTaskJson(task, *request.clientCommonName)};
}

Status TaskService::checkOrderToQueue(const tasks::SignedOrder& order, const std::string& deviceId,
                                      const std::string& type, const std::string& purpose,
                                      const std::string& caseRef) const {
  // What the device will expect of the order (its task handlers' expectations):
  // key rotation takes a key of any role, for purpose key-rotation.
  const bool rotation = type == "trusted-keys";
  tasks::OrderExpectation expected{type, rotation ? "key-rotation" : purpose, caseRef, ""};
  if (type == "offboard") {
    expected.role = tasks::kRoleOffboarding;
  } else if (!rotation) {
    expected.role = tasks::kRoleInvestigator;
  }
  auto key = tasks::checkOrder(order, orderKeys_, deviceId, expected, settings_.orderValidity,
                               WallClock::now());
  return key ? Status::ok() : key.status();
}

ApiResponse TaskService::spotCheck(const ApiRequest& request, const std::string& role) const {
  auto parsed = parseJsonObject(request.body);
  if (!parsed) return errorResponse(400, "malformed", parsed.status().message());
  const Object& body = **parsed;
  const int64_t count = body.optValue<int64_t>("count", 1);
  std::string type = stringMember(body, "type");
  if (type.empty()) type = "usage-summary";
  if (!isQuery(type)) return errorResponse(403, "refused", "no query named '" + type + "'");
  if (Status permitted =
          tasks::checkAccess({tasks::kPurposeSpotCheck, type, role, "", false, true});
      !permitted) {
    return errorResponse(403, "refused", permitted.message());
  }
  if (body.has("seed")) {
    return errorResponse(400, "malformed",
                         "a spot check's seed is drawn by the collector; it cannot be chosen");
  }
  auto seed = randomHex(16);  // a seed nobody chooses
  if (!seed) {
    return errorResponse(500, "random_unavailable", seed.status().message());
  }
  auto devices = storage_.devices();
  if (!devices) return storageFailure(devices.status());
  std::vector<std::string> ids;
  for (const auto& d : *devices) ids.push_back(d.id);
  std::sort(ids.begin(), ids.end());
  const std::vector<std::string> drawn =
      drawDevices(ids, *seed, static_cast<size_t>(std::clamp<int64_t>(count, 0, 10000)));
  std::string population;
  for (const auto& id : ids) population += id + "\n";
  const std::string drawId = newTaskId();

  Array::Ptr drawnJson = new Array;
  for (const auto& id : drawn) drawnJson->add(id);
  Object::Ptr details = new Object;
  details->set("draw", drawId);
  details->set("seed", *seed);
  details->set("count", count);
  details->set("population", static_cast<int64_t>(ids.size()));
  details->set("population_sha256", sha256Hex(population));
  details->set("drawn", drawnJson);
  details->set("type", type);
  const std::string now = formatTimestamp(WallClock::now());
  Status logged = tasks_.logAccess({now, *request.clientCommonName, role, "spot-check.drawn", "",
                                    "spot-check", "", canonicalJson(details)});
  if (!logged) return storageFailure(logged);

  Array::Ptr created = new Array;
  for (const auto& id : drawn) {
    StoredTask task;
    task.id = newTaskId();
    task.deviceId = id;
    task.type = type;
    task.purpose = "spot-check";
    task.requestedBy = *request.clientCommonName;
    task.role = role;
    Object::Ptr params = new Object;
    params->set("draw", drawId);
    task.params = canonicalJson(params);
    task.created = now;
    if (Status stored = tasks_.addTask(task); !stored) return storageFailure(stored);
    Object::Ptr queued = new Object;
    queued->set("task", task.id);
    queued->set("type", type);
    queued->set("draw", drawId);
    if (Status stored = tasks_.logAccess({now, task.requestedBy, role, "query.queued", id,
                                          "spot-check", "", canonicalJson(queued)});
        !stored)
      return storageFailure(stored);
    created->add(adminTaskJson(task, *request.clientCommonName));
  }
  for (const auto& id : drawn) notifyChange(id);
  Object::Ptr out = new Object;
  out->set("draw", drawId);
  out->set("seed", *seed);
  out->set("population", static_cast<int64_t>(ids.size()));
  out->set("tasks", created);
  return {201, out};
}

Status TaskService::enqueue(StoredTask task) const {
  task.id = newTaskId();
  task.created = formatTimestamp(WallClock::now());
  if (task.params.empty()) task.params = "{}";
  if (Status stored = tasks_.addTask(task); !stored) return stored;
  notifyChange(task.deviceId);
  return Status::ok();
}

ApiResponse TaskService::showTask(const ApiRequest& request, const std::string& taskId) const {
  const auto wait = std::chrono::seconds(std::clamp<int64_t>(
      integerParameter(request.query, "wait", 0), 0, settings_.maxWait.count()));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string deviceId;  // the task's, known after the first read
  while (true) {
    uint64_t seen = 0;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      seen = changeCount(deviceId);
      stopping = shuttingDown_;
    }
    auto task = tasks_.task(taskId);
    if (!task) return storageFailure(task.status());
    if (!task->has_value()) return errorResponse(404, "unknown_task", "no task " + taskId);
    const bool open = (*task)->state == "queued" || (*task)->state == "delivered";
    if (!open || stopping || std::chrono::steady_clock::now() >= deadline) {
      return {200, adminTaskJson(**task, *request.clientCommonName)};
    }
    if (deviceId.empty()) {
      deviceId = (*task)->deviceId;
      continue;  // count the device's changes from now on
    }
    waitForChange(deviceId, seen, deadline);
  }
}

ApiResponse TaskService::listTasks(const ApiRequest& request) const {
  auto list =
      tasks_.tasks(queryParameter(request.query, "device"),
                   std::clamp<int64_t>(integerParameter(request.query, "limit", 100), 1, 10000));
  if (!list) return storageFailure(list.status());
  Array::Ptr rows = new Array;
  for (const auto& t : *list) rows->add(adminTaskJson(t, *request.clientCommonName));
  Object::Ptr out = new Object;
  out->set("tasks", rows);
  return {200, out};
}

ApiResponse TaskService::records(const ApiRequest& request) const {
  const std::string kind = queryParameter(request.query, "kind");
  if (kind != "anchor") {
    return errorResponse(400, "malformed",
                         "kind must be anchor; flags are read through POST /v1/admin/reads");
  }
  auto list = storage_.records(
      queryParameter(request.query, "device"), kind,
      std::clamp<int64_t>(integerParameter(request.query, "limit", 1000), 1, 100000));
  if (!list) return storageFailure(list.status());
  Array::Ptr rows = new Array;
  for (const auto& r : *list) {
    Object::Ptr o = new Object;
    o->set("device", r.deviceId);
    o->set("id", r.record.id);
    o->set("time", r.record.time);
    o->set("payload", parsedOrEmpty(r.record.payload));
    rows->add(o);
  }
  Object::Ptr out = new Object;
  out->set("records", rows);
  return {200, out};
}

ApiResponse TaskService::accessLog(const ApiRequest& request) const {
  auto list = tasks_.accessLog(
      queryParameter(request.query, "device"),
      std::clamp<int64_t>(integerParameter(request.query, "limit", 100), 1, 10000));
  if (!list) return storageFailure(list.status());
  Array::Ptr rows = new Array;
  for (const auto& r : *list) rows->add(accessJson(r));
  Object::Ptr out = new Object;
  out->set("access_log", rows);
  return {200, out};
}

}  // namespace tillid::collector
