#pragma once
// The running agent: owns the instance lock, the store's writer and every background
// component, and writes its start, stop, configuration changes, migrations and store
// recoveries to the security log.

#include <memory>
#include <string>

#include "agent/citrix/citrix_monitor.h"
#include "agent/offboard/offboard_executor.h"
#include "agent/report/uploader.h"
#include "agent/service/health_sampler.h"
#include "agent/service/retention.h"
#include "agent/service/service_watchdog.h"
#include "agent/service/state_paths.h"
#include "agent/service/usage_capture.h"
#include "agent/tasks/task_channel.h"
#include "common/config.h"
#include "platform/instance_lock.h"
#include "platform/local_socket.h"
#include "platform/platform.h"
#include "store/writer.h"

namespace tillid {

// What a command starts. The service starts every component; a replay only what records
// (the lock, the store, its writer and the security log), so it never captures live,
// uploads, answers tasks, resumes a reset or serves the employee view.
enum class AgentScope { kService, kRecordingOnly };

class Agent {
 public:
  // Takes the state directory's lock, opens and migrates the store and starts the
  // background components `scope` asks for. Fails without side effects on the store if another
  // agent holds the lock. The components work through `platform` (built by the program's main): its
  // service notifier, when set, hears ready() once started, watchdog pings while the store's writer
  // makes progress, and stopping() when stop() begins.
  static Result<std::unique_ptr<Agent>> start(const Config& config, const StatePaths& paths,
                                              const platform::Platform& platform,
                                              AgentScope scope = AgentScope::kService);

  ~Agent();  // stops with reason "destroyed" if stop() was not called
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Stops the components, writes agent.stop and commits everything buffered.
  void stop(const std::string& reason);

  store::Writer& writer() { return *writer_; }
  // Appends a security-log entry through the writer (committed with the next batch).
  void audit(const std::string& actor, const std::string& action, Poco::JSON::Object::Ptr details);

 private:
  Agent() = default;
  // Health samples, retention, live capture, reporting, tasks, offboarding, the employee
  // view and the service manager's notifications. REQUIRES: writer_ is open.
  void startServiceComponents(const Config& config, const StatePaths& paths,
                              const platform::Platform& platform);

  std::unique_ptr<platform::InstanceLock> lock_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<HealthSampler> health_;
  std::unique_ptr<RetentionScheduler> retention_;
  std::shared_ptr<platform::ProcessLister> processes_;    // for the Citrix monitor
  std::unique_ptr<citrix::CitrixMonitor> citrix_;         // observes capture_'s pipeline
  std::unique_ptr<UsageCapture> capture_;                 // live capture when capture.enabled
  std::unique_ptr<report::Uploader> uploader_;            // null when not enrolled
  std::unique_ptr<tasks::TaskChannel> tasks_;             // null when not enrolled
  std::unique_ptr<platform::LocalSocketServer> myData_;   // the employee view; may be null
  std::unique_ptr<offboard::OffboardExecutor> offboard_;  // carries out an accepted reset
  std::shared_ptr<platform::ServiceNotifier> notifier_;
  std::unique_ptr<ServiceWatchdog> watchdog_;  // after notifier_: destroyed before it
  std::chrono::steady_clock::time_point started_;
  bool stopped_ = false;
};

}  // namespace tillid
