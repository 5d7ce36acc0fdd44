#pragma once
// The named queries a device answers over the task channel — never free SQL — and the
// rules of the municipality's guideline on who may see what:
//   - purpose "spot-check": aggregates only. status, inventory, usage-summary (volumes per
//     category and service, no destinations, no users), flags, audit-log (the security
//     log, whose random review the guideline prescribes).
//   - purpose "investigation": also destination-level rows (usage-detail) and Citrix
//     sessions; needs a case reference and an order signed by an investigator's key that
//     the device trusts, naming this device, unexpired, with a fresh nonce.
//   - purpose "audit-check": audit-log only (the chain, to compare with its anchors).
//   - anything else is refused with the reason.
// The poller writes the security-log entry for every answer and refusal.

#include <Poco/JSON/Object.h>

#include "agent/store/writer.h"
#include "agent/tasks/order_verifier.h"
#include "agent/tasks/task.h"

namespace tillid::tasks {

// The query names, in the order the administrators' help lists them.
const std::vector<std::string>& namedQueries();
// True when `query` may be answered for a spot check.
bool allowedForSpotCheck(const std::string& query);

// Registers every named query on `dispatcher`. `verifier` and `writer` must outlive it.
void registerNamedQueries(TaskDispatcher& dispatcher, OrderVerifier& verifier,
                          store::Writer& writer);

// Runs one query on the store without the purpose rules (the employee's own view uses the
// same readers). REQUIRES: `query` is one of namedQueries().
Result<Poco::JSON::Object::Ptr> runNamedQuery(store::Database& db, const std::string& query,
                                              const Poco::JSON::Object::Ptr& params);

}  // namespace tillid::tasks
