#include "agent/service/schema.h"

#include "agent/audit/audit_log.h"
#include "agent/citrix/citrix_store.h"
#include "agent/offboard/offboard_store.h"
#include "agent/report/outbox.h"
#include "agent/service/health_sampler.h"
#include "agent/tasks/nonce_store.h"
#include "agent/usage/usage_aggregator.h"

namespace tillid {

std::vector<store::SchemaModule> agentSchemaModules() {
  return {audit::auditSchema(),      healthSchema(),         usage::usageSchema(),
          citrix::citrixSchema(),    report::reportSchema(), tasks::tasksSchema(),
          offboard::offboardSchema()};
}

}  // namespace tillid
