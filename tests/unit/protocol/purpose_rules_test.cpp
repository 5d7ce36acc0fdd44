// The one purpose table: what each purpose reaches, which roles act under it, and what it
// needs (a draw, a case, an order), as the collector and the device both apply it.

#include "protocol/purpose_rules.h"

#include <catch2/catch.hpp>

#include "protocol/signed_order.h"

using namespace tillid;
using namespace tillid::tasks;

namespace {

std::string refusal(const AccessRequest& request) {
  Status s = checkAccess(request);
  return s ? std::string() : s.message();
}

}  // namespace

TEST_CASE("a spot check is only a draw, and sees aggregates only", "[tasks][purpose]") {
  CHECK(refusal({kPurposeSpotCheck, "usage-summary", kRoleViewer, "", false, true}).empty());
  CHECK(refusal({kPurposeSpotCheck, "flags", kRoleInvestigator, "", false, true}).empty());
  CHECK_THAT(refusal({kPurposeSpotCheck, "usage-summary", kRoleViewer, "", false, false}),
             Catch::Contains("never aimed at a device"));
  CHECK_THAT(refusal({kPurposeSpotCheck, "usage-detail", kRoleViewer, "", false, true}),
             Catch::Contains("it needs investigation"));
  CHECK_THAT(refusal({kPurposeSpotCheck, "sessions", kRoleViewer, "", false, true}),
             Catch::Contains("not within purpose spot-check"));
  CHECK_THAT(refusal({kPurposeSpotCheck, "status", kRoleOffboarding, "", false, true}),
             Catch::Contains("needs the viewer, investigator role"));
}

TEST_CASE("device-level queries stay open to every role, nothing personal", "[tasks][purpose]") {
  for (const char* role : {kRoleViewer, kRoleInvestigator, kRoleOffboarding}) {
    CHECK(refusal({kPurposeDeviceCheck, "status", role, "", false, false}).empty());
    CHECK(refusal({kPurposeDeviceCheck, "inventory", role, "", false, false}).empty());
    CHECK_FALSE(refusal({kPurposeDeviceCheck, "usage-summary", role, "", false, false}).empty());
    CHECK_FALSE(refusal({kPurposeDeviceCheck, "flags", role, "", false, false}).empty());
  }
  // A certificate without a role gets nothing, not even status.
  CHECK_THAT(refusal({kPurposeDeviceCheck, "status", std::string(), "", false, false}),
             Catch::Contains("the certificate has none"));
}

TEST_CASE("an investigation needs the investigator, a case and an order", "[tasks][purpose]") {
  CHECK(refusal({kPurposeInvestigation, "usage-detail", kRoleInvestigator, "C-1", true, false})
            .empty());
  CHECK_THAT(refusal({kPurposeInvestigation, "usage-detail", kRoleViewer, "C-1", true, false}),
             Catch::Contains("needs the investigator role"));
  CHECK_THAT(refusal({kPurposeInvestigation, "usage-detail", kRoleInvestigator, "", true, false}),
             Catch::Contains("needs a case reference"));
  CHECK_THAT(
      refusal({kPurposeInvestigation, "usage-detail", kRoleInvestigator, "C-1", false, false}),
      Catch::Contains("needs an order signed"));
  // On the device the role is not known: the order's key stands for it.
  CHECK(refusal({kPurposeInvestigation, "sessions", std::nullopt, "C-1", true, false}).empty());
}

TEST_CASE("certificates of a reset are the offboarding role's, unknown purposes are refused",
          "[tasks][purpose]") {
  CHECK(refusal({kPurposeOffboarding, "certificate", kRoleOffboarding, "", false, false}).empty());
  CHECK_THAT(refusal({kPurposeOffboarding, "certificate", kRoleViewer, "", false, false}),
             Catch::Contains("needs the offboarding role"));
  CHECK(refusal({kPurposeAuditCheck, "audit-log", kRoleViewer, "", false, false}).empty());
  CHECK_FALSE(
      refusal({kPurposeAuditCheck, "usage-summary", kRoleViewer, "", false, false}).empty());
  CHECK_THAT(refusal({"curiosity", "status", kRoleViewer, "", false, false}),
             Catch::Contains("'curiosity' is not allowed"));
}
