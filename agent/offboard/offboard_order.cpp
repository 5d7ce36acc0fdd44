#include "agent/offboard/offboard_order.h"

#include <cmath>

#include "agent/tasks/task_channel.h"
#include "common/canonical_json.h"
#include "protocol/enrollment.h"

namespace tillid::offboard {

Result<AcceptedOrder> acceptOffboardOrder(tasks::OrderVerifier& verifier,
                                          const tasks::SignedOrder& order,
                                          const std::string& caseRef,
                                          const OffboardSettings& settings,
                                          const std::string& databasePath) {
  // The profile is checked before the nonce is spent, so a malformed order can be fixed
  // and sent again.
  auto profile = parseProfile(order.order.params->optValue<std::string>("profile", ""));
  if (!profile) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "the order's params.profile: " + profile.status().message());
  }
  if (Status media = checkProfileMedia(settings, *profile); !media) return media;
  const std::string reason = order.order.params->optValue<std::string>("reason", "departure");
  if (reason != "departure" && reason != "lost" && reason != "stolen") {
    return Status::error(
        ErrorCode::kInvalidArgument,
        "the order's params.reason '" + reason + "' is not one of departure, lost, stolen");
  }
  const double noticeHours = order.order.params->has("notice_hours")
                                 ? order.order.params->optValue<double>("notice_hours", -1)
                                 : settings.noticeHours;
  if (!(noticeHours >= 0) || noticeHours > 24 * 365) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "the order's params.notice_hours must be a number of hours, 0 or more");
  }
  const auto noticeSeconds = static_cast<int64_t>(std::llround(noticeHours * 3600));
  if (noticeSeconds == 0 && reason == "departure") {
    // Without notice the employee cannot remove private files: only for a device
    // that is no longer in their hands, and the order must say so.
    return Status::error(ErrorCode::kInvalidArgument,
                         "a reset without notice (notice_hours 0) needs params.reason lost "
                         "or stolen");
  }
  if (caseRef.empty()) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "an offboarding order needs a case reference");
  }
  AcceptedOrder accepted;
  accepted.profile = *profile;
  accepted.deviceId = order.order.device;
  accepted.caseRef = order.order.caseRef;
  accepted.nonce = order.order.nonce;
  accepted.orderJson = canonicalJson(tasks::signedOrderToJson(order));
  accepted.reason = reason;
  accepted.noticeSeconds = noticeSeconds;
  accepted.keyId = order.keyId;
  const tasks::TrustedKeys keys = verifier.keys();
  if (const tasks::TrustedKey* signer = keys.find(order.keyId)) accepted.signer = signer->name;
  // The run starts in the nonce's transaction: an order refused because a run exists
  // leaves its nonce unspent.
  auto key = verifier.accept(
      order, {kOffboardTaskType, kOffboardPurpose, caseRef, tasks::kRoleOffboarding},
      WallClock::now(),
      [&](store::Database& db) { return startRun(db, settings, accepted, databasePath); });
  if (!key) return key.status();
  return accepted;
}

Result<AcceptedOrder> acceptOrderText(const std::string& orderJson,
                                      const OffboardSettings& settings,
                                      const tasks::OrderValidityLimits& limits,
                                      const std::string& stateDir, store::Database db) {
  auto json = parseJsonObject(orderJson);
  if (!json) return json.status();
  auto order = tasks::parseSignedOrder(*json);
  if (!order) return order.status();
  auto enrollment = report::loadEnrollment(report::EnrollmentFiles{stateDir});
  if (!enrollment) return enrollment.status();
  if (!enrollment->has_value()) {
    return Status::error(ErrorCode::kPermission,
                         "this agent is not enrolled: it trusts no administrator key");
  }
  const std::string databasePath = db.path();
  store::Writer writer(std::move(db), {});
  auto verifier = tasks::OrderVerifier::open((*enrollment)->deviceId,
                                             tasks::trustedKeysPath(stateDir), writer, limits);
  if (!verifier) return verifier.status();
  return acceptOffboardOrder(**verifier, *order, order->order.caseRef, settings, databasePath);
}

void registerOffboarding(tasks::TaskDispatcher& dispatcher, tasks::OrderVerifier& verifier,
                         OffboardSettings settings, std::string databasePath,
                         std::function<void()> onAccepted) {
  dispatcher.add(kOffboardTaskType, [&verifier, settings = std::move(settings),
                                     databasePath = std::move(databasePath),
                                     onAccepted = std::move(onAccepted)](const tasks::Task& task) {
    if (!task.order) return tasks::TaskReply::refused("an offboarding task needs a signed order");
    if (task.purpose != kOffboardPurpose) {
      return tasks::TaskReply::refused("an offboarding task's purpose must be 'offboarding'");
    }
    auto accepted =
        acceptOffboardOrder(verifier, *task.order, task.caseRef, settings, databasePath);
    if (!accepted) return tasks::TaskReply::fromStatus(accepted.status());
    onAccepted();
    Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
    result->set("accepted", true);
    result->set("profile", profileName(accepted->profile));
    result->set("case", accepted->caseRef);
    result->set("reason", accepted->reason);
    result->set("notice_seconds", accepted->noticeSeconds);
    return tasks::TaskReply::answered(result);
  });
}

}  // namespace tillid::offboard
