#include "protocol/purpose_rules.h"

#include <algorithm>

#include "protocol/signed_order.h"

namespace tillid::tasks {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item;
  return out;
}

Status refused(const std::string& reason) {
  return Status::error(ErrorCode::kPermission, reason);
}

}  // namespace

const std::vector<std::string>& namedQueries() {
  static const std::vector<std::string> kQueries = {
      "status", "inventory", "usage-summary", "usage-detail", "flags", "sessions", "audit-log"};
  return kQueries;
}

const std::vector<PurposeRule>& purposeRules() {
  static const std::vector<PurposeRule> kRules = {
      {kPurposeDeviceCheck,
       {kRoleViewer, kRoleInvestigator, kRoleOffboarding},
       false,
       false,
       false,
       {"status", "inventory"}},
      {kPurposeSpotCheck,
       {kRoleViewer, kRoleInvestigator},
       true,
       false,
       false,
       {"status", "inventory", "usage-summary", "flags", "audit-log"}},
      {kPurposeInvestigation,
       {kRoleInvestigator},
       false,
       true,
       true,
       {"status", "inventory", "usage-summary", "usage-detail", "flags", "sessions", "audit-log",
        "certificate"}},
      {kPurposeAuditCheck,
       {kRoleViewer, kRoleInvestigator, kRoleOffboarding},
       false,
       false,
       false,
       {"audit-log"}},
      {kPurposeOffboarding,
       {kRoleOffboarding},
       false,
       false,
       false,
       {"offboard-status", "certificate"}},
  };
  return kRules;
}

const PurposeRule* purposeRule(const std::string& purpose) {
  for (const PurposeRule& rule : purposeRules()) {
    if (rule.purpose == purpose) return &rule;
  }
  return nullptr;
}

Status checkAccess(const AccessRequest& request) {
  const PurposeRule* rule = purposeRule(request.purpose);
  if (!rule) {
    std::vector<std::string> names;
    for (const PurposeRule& r : purposeRules()) names.push_back(r.purpose);
    return refused("purpose '" + request.purpose + "' is not allowed: use one of " + joined(names));
  }
  if (!contains(rule->reach, request.what)) {
    std::vector<std::string> wider;
    for (const PurposeRule& r : purposeRules()) {
      if (contains(r.reach, request.what)) wider.push_back(r.purpose);
    }
    return refused("'" + request.what + "' is not within purpose " + rule->purpose +
                   (wider.empty() ? std::string() : ": it needs " + joined(wider)));
  }
  if (request.role && !contains(rule->roles, *request.role)) {
    return refused("purpose " + rule->purpose + " needs the " + joined(rule->roles) +
                   " role; the certificate has " +
                   (request.role->empty() ? "none" : *request.role));
  }
  if (rule->needsDraw && !request.drawn) {
    return refused(
        "a spot check is a random draw (POST /v1/admin/spot-checks, tillid-admin "
        "spot-check), never aimed at a device; a named device about a person is an "
        "investigation");
  }
  if (rule->needsCase && request.caseRef.empty()) {
    return refused("an " + rule->purpose + " needs a case reference (--case)");
  }
  if (rule->needsOrder && !request.hasOrder) {
    return refused("an " + rule->purpose + " needs an order signed by an investigator's key");
  }
  return Status::ok();
}

}  // namespace tillid::tasks
