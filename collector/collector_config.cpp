#include "collector/collector_config.h"

namespace tillid::embedded {
extern const char collector_default_json[];
}

namespace tillid::collector {

namespace {

std::vector<ConfigConstraint> collectorConfigConstraints() {
  return {
      oneOfConstraint("log.target", {"stderr", "syslog"}),
      oneOfConstraint("log.level", {"trace", "debug", "information", "notice", "warning", "error",
                                    "critical", "fatal"}),
      rangeConstraint("listen.port", 0, 65535),
      rangeConstraint("listen.max_threads", 1, 4096),
      rangeConstraint("listen.max_queued", 1, 100000),
      rangeConstraint("enrollment.certificate_days", 1, 3650),
      rangeConstraint("enrollment.renewal_grace_days", 0, 3650),
      rangeConstraint("limits.max_body_bytes", 1024, 1073741824),
      rangeConstraint("limits.max_batch_bytes", 1024, 4294967296.0),
      rangeConstraint("limits.device_reports_per_minute", 0, 60000),
      rangeConstraint("limits.device_report_burst", 1, 10000),
      rangeConstraint("limits.max_batch_records", 1, 10000000),
      rangeConstraint("tasks.max_wait_seconds", 1, 600),
      rangeConstraint("tasks.redeliver_after_seconds", 1, 86400),
      rangeConstraint("tasks.order_max_hours.investigation", 1, 8760),
      rangeConstraint("tasks.order_max_hours.offboard", 1, 8760),
      rangeConstraint("tasks.order_max_hours.trusted_keys", 1, 8760),
      oneOfConstraint("storage.backend", {"sqlite", "postgresql"}),
      rangeConstraint("storage.postgresql_connections", 1, 1000),
      rangeConstraint("retention.usage_days", 1, 3650),
      rangeConstraint("retention.flags_days", 1, 3650),
  };
}

}  // namespace

Result<Config> loadCollectorConfig(const std::optional<std::string>& file,
                                   const std::vector<std::string>& overrides) {
  return Config::load({embedded::collector_default_json, "collector.default.json", file, overrides},
                      collectorConfigConstraints());
}

}  // namespace tillid::collector
