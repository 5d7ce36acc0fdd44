#pragma once
// tillid-admin's commands for queries under the rules: keygen, query,
// spot-check, flags, audit-check, tasks, access-log. Each uses the global options
// --server --cert --key --ca and --json.

#include <Poco/JSON/Object.h>

#include <vector>

#include "admin/admin_client.h"
#include "common/cli_app.h"

namespace tillid::admin {

std::vector<Command> taskCommands();

// The signed order (tasks/signed_order.h wire form) for `device`, signed with the
// administrator's Ed25519 key from --order-key FILE, which must be among the collector's
// order keys (its name becomes the order's issuer). It expires after --valid-minutes, or
// `defaultMinutes`, with a fresh nonce.
Result<Poco::JSON::Object::Ptr> signedOrder(AdminClient& client, const ParsedArgs& args,
                                            const std::string& device, const std::string& type,
                                            const std::string& purpose, const std::string& caseRef,
                                            const Poco::JSON::Object::Ptr& params,
                                            int64_t defaultMinutes);

}  // namespace tillid::admin
