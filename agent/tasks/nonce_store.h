#pragma once
// Nonces of accepted signed orders, kept in the agent's store so that an order is never
// accepted twice, not even after a restart. Rows outlive their order's expiry by a day;
// after that the expiry alone refuses a replay.

#include <string>

#include "common/time.h"
#include "protocol/signed_order.h"
#include "store/database.h"
#include "store/migrations.h"

namespace tillid::tasks {

store::SchemaModule tasksSchema();

enum class NonceOutcome { kFresh, kReplayed };

// Records the order's nonce in the caller's transaction (a writer job). kReplayed, with
// nothing changed, when the nonce was accepted before. Also forgets long-expired nonces.
Result<NonceOutcome> consumeNonce(store::Database& db, const SignedOrder& order, TimePoint now);

}  // namespace tillid::tasks
