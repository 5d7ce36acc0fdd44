#include "collector/personal_data_reads.h"

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "common/canonical_json.h"
#include "common/time.h"
#include "protocol/purpose_rules.h"
#include "protocol/signed_order.h"

namespace tillid::collector {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// How long a draw opens the spot check's reads of the devices it drew.
constexpr std::chrono::hours kDrawOpenFor{24};
constexpr int64_t kMaxRows = 100000;

}  // namespace

struct PersonalDataReads::Read {
  std::string deviceId;
  std::string what;
  std::string purpose;
  std::string caseRef;
  std::string draw;
  std::optional<tasks::SignedOrder> order;
  std::string since, until, user;
  int64_t limit = 1000;
};

Status logRead(TaskStore& tasks, const Administrator& admin, const std::string& action,
               const std::string& deviceId, const std::string& purpose, const std::string& caseRef,
               const Object::Ptr& details) {
  return tasks.logAccess({formatTimestamp(WallClock::now()), admin.commonName, admin.role, action,
                          deviceId, purpose, caseRef, canonicalJson(details)});
}

std::optional<ApiResponse> PersonalDataReads::route(const ApiRequest& request) const {
  if (request.path != "/v1/admin/reads") return std::nullopt;
  auto admitted = gate_.admit(request);
  if (auto* refusal = std::get_if<ApiResponse>(&admitted)) return *refusal;
  if (request.method != "POST") return errorResponse(405, "method_not_allowed", "use POST");
  return read(request, std::get<Administrator>(admitted));
}

ApiResponse PersonalDataReads::read(const ApiRequest& request, const Administrator& admin) const {
  auto parsed = parseJsonObject(request.body);
  if (!parsed) return errorResponse(400, "malformed", parsed.status().message());
  const Object::Ptr& body = *parsed;
  Read r;
  r.deviceId = stringMember(body, "device");
  r.what = stringMember(body, "what");
  r.purpose = stringMember(body, "purpose");
  r.caseRef = stringMember(body, "case");
  r.draw = stringMember(body, "draw");
  const Object::Ptr params = body->getObject("params");
  const TimePoint now = WallClock::now();
  r.since = stringMember(params, "since");
  if (r.since.empty()) r.since = formatTimestamp(now - std::chrono::hours(24 * 7));
  r.until = stringMember(params, "until");
  if (r.until.empty()) r.until = formatTimestamp(now + std::chrono::hours(1));
  r.user = stringMember(params, "user");
  if (params && params->has("limit")) {
    r.limit = std::clamp<int64_t>(params->optValue<int64_t>("limit", r.limit), 1, kMaxRows);
  }
  auto device = storage_.device(r.deviceId);
  if (!device) return storageFailure(device.status());
  if (!device->has_value()) return errorResponse(404, "unknown_device", "no device " + r.deviceId);

  Object::Ptr details = new Object;
  details->set("read", r.what);
  if (!r.draw.empty()) details->set("draw", r.draw);
  Status permitted = Status::ok();
  if (body->has("order") && !body->isNull("order")) {
    auto order = tasks::parseSignedOrder(body->getObject("order"));
    if (order) {
      r.order = *order;
      details->set("order_nonce", order->order.nonce);
      details->set("order_issued_by", order->order.issuedBy);
    } else {
      permitted = order.status();
    }
  }
  if (permitted) permitted = permit(r, admin.role);
  if (!permitted) {
    details->set("reason", permitted.message());
    if (Status logged =
            logRead(tasks_, admin, "read.refused", r.deviceId, r.purpose, r.caseRef, details);
        !logged) {
      return storageFailure(logged);
    }
    return errorResponse(403, "refused", permitted.message());
  }
  auto answered = answer(r);
  if (!answered) return storageFailure(answered.status());
  details->set("rows", answered->second);
  if (!r.user.empty()) details->set("user", r.user);
  if (Status logged =
          logRead(tasks_, admin, "read.answered", r.deviceId, r.purpose, r.caseRef, details);
      !logged) {
    return storageFailure(logged);
  }
  // The employee's view lists the read: the device records the notice in its security log.
  StoredTask notice;
  notice.deviceId = r.deviceId;
  notice.type = "collector-read";
  notice.purpose = r.purpose;
  notice.caseRef = r.caseRef;
  notice.requestedBy = admin.commonName;
  notice.role = admin.role;
  Object::Ptr noticeParams = new Object;
  noticeParams->set("read", r.what);
  noticeParams->set("read_at", formatTimestamp(now));
  noticeParams->set("rows", answered->second);
  if (!r.user.empty()) noticeParams->set("user", r.user);
  notice.params = canonicalJson(noticeParams);
  if (Status queued = taskService_.enqueue(notice); !queued) return storageFailure(queued);

  Object::Ptr out = answered->first;
  out->set("device", r.deviceId);
  out->set("what", r.what);
  out->set("purpose", r.purpose);
  out->set("case", r.caseRef);
  return {200, out};
}

Status PersonalDataReads::permit(const Read& r, const std::string& role) const {
  Status allowed = tasks::checkAccess(
      {r.purpose, r.what, role, r.caseRef, r.order.has_value(), !r.draw.empty()});
  if (!allowed) return allowed;
  const tasks::PurposeRule& rule = *tasks::purposeRule(r.purpose);
  if (rule.needsOrder) {
    auto key = tasks::checkOrder(*r.order, orderKeys_, r.deviceId,
                                 {r.what, r.purpose, r.caseRef, tasks::kRoleInvestigator},
                                 orderValidity_, WallClock::now());
    if (!key) return key.status();
  }
  if (rule.needsDraw) {
    // The draw queued a spot check to each device it drew: that entry proves the draw.
    auto log = tasks_.accessLog(r.deviceId, 1000);
    if (!log) return log.status();
    const TimePoint openFrom = WallClock::now() - kDrawOpenFor;
    for (const AccessRecord& entry : *log) {
      if (entry.action != "query.queued" || entry.purpose != tasks::kPurposeSpotCheck) continue;
      auto queued = parseJsonObject(entry.details);
      auto at = parseTimestamp(entry.time);
      if (queued && stringMember(*queued, "draw") == r.draw && at && *at >= openFrom) {
        return Status::ok();
      }
    }
    return Status::error(ErrorCode::kPermission, "draw " + r.draw + " did not draw device " +
                                                     r.deviceId + " within the last 24 hours");
  }
  return Status::ok();
}

Result<std::pair<Object::Ptr, int64_t>> PersonalDataReads::answer(const Read& r) const {
  Object::Ptr out = new Object;
  Array::Ptr rows = new Array;
  if (r.what == "usage-summary" || r.what == "usage-detail") {
    auto usage = storage_.usage(r.deviceId, kMaxRows);
    if (!usage) return usage.status();
    out->set("since", r.since);
    out->set("until", r.until);
    const auto inPeriod = [&r](const UsageRecord& u) {
      return u.hour >= r.since && u.hour < r.until;
    };
    if (r.what == "usage-detail") {
      for (const UsageRecord& u : *usage) {
        if (!inPeriod(u) || (!r.user.empty() && u.user != r.user)) continue;
        if (static_cast<int64_t>(rows->size()) >= r.limit) break;
        rows->add(usageJson(u));
      }
      out->set("rows", rows);
      return std::make_pair(out, static_cast<int64_t>(rows->size()));
    }
    // Volumes per category and service: no user, no destination.
    std::map<std::pair<std::string, std::string>, std::tuple<int64_t, int64_t, int64_t, int64_t>>
        volumes;
    for (const UsageRecord& u : *usage) {
      if (!inPeriod(u)) continue;
      auto& [connections, in, outBytes, active] = volumes[{u.category, u.service}];
      connections += u.connections;
      in += u.bytesIn;
      outBytes += u.bytesOut;
      active += u.activeSeconds;
    }
    std::vector<Object::Ptr> sorted;
    for (const auto& [key, v] : volumes) {
      Object::Ptr o = new Object;
      o->set("category", key.first);
      o->set("service", key.second);
      o->set("connections", std::get<0>(v));
      o->set("bytes_in", std::get<1>(v));
      o->set("bytes_out", std::get<2>(v));
      o->set("active_seconds", std::get<3>(v));
      sorted.push_back(o);
    }
    const auto total = [](const Object::Ptr& o) {
      return o->getValue<int64_t>("bytes_in") + o->getValue<int64_t>("bytes_out");
    };
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Object::Ptr& a, const Object::Ptr& b) {
      return total(a) > total(b);
    });
    for (const auto& o : sorted) rows->add(o);
    out->set("volumes", rows);
    return std::make_pair(out, static_cast<int64_t>(rows->size()));
  }
  const std::string kind = r.what == "flags" ? "flag" : "certificate";
  auto records = storage_.records(r.deviceId, kind, r.what == "flags" ? r.limit : 1);
  if (!records) return records.status();
  for (const StoredRecord& s : *records) {
    Object::Ptr o = new Object;
    o->set("id", s.record.id);
    o->set("time", s.record.time);
    o->set("payload", parsedOrEmpty(s.record.payload));
    rows->add(o);
  }
  out->set("records", rows);
  return std::make_pair(out, static_cast<int64_t>(rows->size()));
}

}  // namespace tillid::collector
