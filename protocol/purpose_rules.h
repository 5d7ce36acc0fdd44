#pragma once
// The one table of who may see what of a device's data, and for which purpose
// (docs/queries.md, "Purposes"). The collector applies it before it queues a query or
// answers a read of its own copies; the device applies it again before it answers.
//   device-check   status, inventory: nothing about a person; every administrator role
//   spot-check     aggregates (volumes per category and service, flags, the security log),
//                  only as part of a random draw the collector made and logged
//   investigation  also destinations, sessions and certificates; the investigator role,
//                  a case reference and an order signed by an investigator's key
//   audit-check    the security log only, to compare with the collector's anchors
//   offboarding    the reset's status and certificate; the offboarding role
// Anything else is refused with the reason.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::tasks {

inline constexpr const char* kPurposeDeviceCheck = "device-check";
inline constexpr const char* kPurposeSpotCheck = "spot-check";
inline constexpr const char* kPurposeInvestigation = "investigation";
inline constexpr const char* kPurposeAuditCheck = "audit-check";
inline constexpr const char* kPurposeOffboarding = "offboarding";

struct PurposeRule {
  std::string purpose;
  std::vector<std::string> roles;  // the administrator roles that may act under it
  bool needsDraw = false;          // only within a random draw
  bool needsCase = false;
  bool needsOrder = false;  // an order signed by an investigator's key
  // What it may see: named queries (named_queries.h) and the collector's reads of its
  // copies ("usage-summary", "usage-detail", "flags", "certificate", "offboard-status").
  std::vector<std::string> reach;
};

// The queries a device answers over the task channel (agent/tasks/named_queries.h), in
// the order the administrators' help lists them.
const std::vector<std::string>& namedQueries();

const std::vector<PurposeRule>& purposeRules();
// The rule of `purpose`, or nullptr when there is none.
const PurposeRule* purposeRule(const std::string& purpose);

// One request to see `what` of a device.
struct AccessRequest {
  std::string purpose;
  std::string what;
  std::optional<std::string> role;  // the administrator's; nullopt where it is not known
                                    // (on the device, where a signed order stands for it)
  std::string caseRef;
  bool hasOrder = false;  // whether the order is valid is the verifier's check
  bool drawn = false;     // part of a draw the collector logged
};

// OK when the purpose rules let `request` through; kPermission with the sentence the
// administrator sees otherwise.
Status checkAccess(const AccessRequest& request);

}  // namespace tillid::tasks
