#include "agent/core/agent_config.h"

#include <Poco/JSON/Array.h>

namespace tillid {
namespace embedded {
extern const char agent_default_json[];
}

const char* agentDefaultConfigText() {
  return embedded::agent_default_json;
}

std::vector<ConfigConstraint> agentConfigConstraints() {
  return {
      oneOfConstraint("log.target", {"stderr", "syslog"}),
      oneOfConstraint("log.level", {"trace", "debug", "information", "notice", "warning", "error",
                                    "critical", "fatal"}),
      rangeConstraint("store.batch_max_rows", 1, 100000),
      rangeConstraint("store.batch_max_ms", 1, 60000),
      rangeConstraint("store.busy_timeout_ms", 0, 600000),
      rangeConstraint("health.interval_ms", 0, 86400000),
      rangeConstraint("health.keep_samples", 1, 10000000),
      rangeConstraint("report.interval_ms", 10, 86400000),
      rangeConstraint("report.drain_interval_ms", 0, 3600000),
      rangeConstraint("report.batch_max_records", 1, 100000),
      rangeConstraint("report.batch_max_bytes", 1024, 67108864),
      rangeConstraint("report.budget_bytes", 65536, 17179869184.0),
      rangeConstraint("report.anchor_interval_seconds", 1, 86400),
      rangeConstraint("report.usage_close_delay_seconds", 0, 86400),
      rangeConstraint("report.backoff_min_ms", 10, 3600000),
      rangeConstraint("report.backoff_max_ms", 10, 86400000),
      rangeConstraint("report.renew_fraction", 0.01, 0.99),
      rangeConstraint("tasks.poll_wait_seconds", 1, 300),
      rangeConstraint("tasks.backoff_min_ms", 10, 3600000),
      rangeConstraint("tasks.backoff_max_ms", 10, 86400000),
      rangeConstraint("tasks.order_max_hours.investigation", 1, 8760),
      rangeConstraint("tasks.order_max_hours.offboard", 1, 8760),
      rangeConstraint("tasks.order_max_hours.trusted_keys", 1, 8760),
      rangeConstraint("capture.snaplen", 256, 65535),
      rangeConstraint("capture.buffer_mb", 1, 1024),
      rangeConstraint("capture.flow_table_max", 16, 10000000),
      rangeConstraint("capture.tcp_idle_seconds", 1, 86400),
      rangeConstraint("capture.udp_idle_seconds", 1, 86400),
      rangeConstraint("capture.classify_max_packets", 1, 1000),
      rangeConstraint("capture.dns_cache_entries", 16, 10000000),
      timestampConstraint("monitoring.effective_from"),
      oneOfConstraint("employee_view.language", {"da", "en"}),
      oneOfConstraint("offboard.executor", {"agent", "reset-service"}),
      oneOfConstraint("offboard.overwrite_pattern", {"random", "zeros"}),
      oneOfConstraint("offboard.verification", {"sample", "full"}),
      rangeConstraint("offboard.buffer_mib", 1, 256),
      rangeConstraint("offboard.session_grace_seconds", 0, 3600),
      rangeConstraint("offboard.notice_hours", 0, 24 * 365),
      rangeConstraint("retention.usage_days", 1, 3650),
      rangeConstraint("retention.flags_days", 1, 3650),
      rangeConstraint("retention.sessions_days", 1, 3650),
      rangeConstraint("retention.security_log_days", 1, 3650),
      rangeConstraint("usage.flush_seconds", 1, 3600),
      oneOfConstraint("citrix.mode", {"client", "server"}),
      rangeConstraint("citrix.process_poll_seconds", 0, 3600),
      rangeConstraint("citrix.session_end_grace_seconds", 1, 86400),
      rangeConstraint("citrix.window_seconds", 1, 3600),
      rangeConstraint("citrix.gap_merge_seconds", 0, 86400),
      rangeConstraint("citrix.evidence_max_minutes", 1, 100000),
      {"citrix.ica_ports",
       [](const Poco::Dynamic::Var& ports) -> std::optional<std::string> {
         for (const auto& port : *ports.extract<Poco::JSON::Array::Ptr>()) {
           if (port.convert<int64_t>() < 1 || port.convert<int64_t>() > 65535) {
             return "ports are from 1 to 65535";
           }
         }
         return std::nullopt;
       }},
      rangeConstraint("citrix.ica_video.start_mbps", 0.001, 100000),
      rangeConstraint("citrix.ica_video.stop_mbps", 0, 100000),
      rangeConstraint("citrix.ica_video.min_duration_seconds", 1, 86400),
      rangeConstraint("citrix.ica_video.max_up_ratio", 0, 1000),
      rangeConstraint("citrix.streaming_service.start_mbps", 0.001, 100000),
      rangeConstraint("citrix.streaming_service.stop_mbps", 0, 100000),
      rangeConstraint("citrix.streaming_service.min_duration_seconds", 1, 86400),
      rangeConstraint("citrix.streaming_service.max_up_ratio", 0, 1000),
      rangeConstraint("citrix.music.start_mbps", 0.001, 100000),
      rangeConstraint("citrix.music.stop_mbps", 0, 100000),
      rangeConstraint("citrix.music.min_duration_seconds", 1, 86400),
      rangeConstraint("citrix.music.max_up_ratio", 0, 1000),
  };
}

Result<Config> loadAgentConfig(const std::optional<std::string>& file,
                               const std::vector<std::string>& overrides) {
  return Config::load({agentDefaultConfigText(), "agent.default.json", file, overrides},
                      agentConfigConstraints());
}

}  // namespace tillid
