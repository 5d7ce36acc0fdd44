#include "agent/service/schema.h"

#include "agent/audit/audit_log.h"
#include "agent/citrix/citrix_store.h"
#include "agent/service/health_sampler.h"

namespace tillid {

std::vector<store::SchemaModule> agentSchemaModules() {
  return {audit::auditSchema(), healthSchema(), citrix::citrixSchema()};
}

}  // namespace tillid
