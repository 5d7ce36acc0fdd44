#pragma once
// The named queries a device answers over the task channel — never free SQL — under the
// purpose rules (purpose_rules.h). An investigation's order must be signed by an
// investigator's key the device trusts, name this device, be unexpired and carry a fresh
// nonce; a spot check must carry the id of its draw.
// The poller writes the security-log entry for every answer and refusal.

#include <Poco/JSON/Object.h>

#include "agent/tasks/order_verifier.h"
#include "agent/tasks/task.h"
#include "protocol/purpose_rules.h"
#include "store/writer.h"

namespace tillid::tasks {

// Registers every named query on `dispatcher`, and "collector-read": the notice of a read
// the collector answered from its copies of the device's data, recorded in the security
// log so the employee sees it. `verifier` and `writer` must outlive it.
void registerNamedQueries(TaskDispatcher& dispatcher, OrderVerifier& verifier,
                          store::Writer& writer);

// Runs one query on the store without the purpose rules (the employee's own view uses the
// same readers). REQUIRES: `query` is one of namedQueries().
Result<Poco::JSON::Object::Ptr> runNamedQuery(store::Database& db, const std::string& query,
                                              const Poco::JSON::Object::Ptr& params);

}  // namespace tillid::tasks
