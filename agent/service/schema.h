#pragma once
// Every schema module the agent's database holds, in migration order.

#include <vector>

#include "store/migrations.h"

namespace tillid {

std::vector<store::SchemaModule> agentSchemaModules();

}  // namespace tillid
