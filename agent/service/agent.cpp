#include "agent/service/agent.h"

#include <Poco/JSON/Array.h>

#include "agent/audit/audit_log.h"
#include "agent/offboard/offboard_order.h"
#include "agent/service/my_data.h"
#include "agent/service/schema.h"
#include "agent/tasks/named_queries.h"
#include "common/digest.h"
#include "common/logging.h"
#include "store/store.h"

namespace tillid {
namespace {

using Poco::JSON::Object;

// Security-log entries for what opening the store did, and for a changed configuration.
// A failure fails the start: the agent does not run with facts its log does not show.
Status recordStartupFacts(store::Database& db, const store::OpenedStore& opened,
                          const Config& config) {
  if (opened.recovery) {
    Object::Ptr details = new Object;
    details->set("reason", opened.recovery->reason);
    details->set("moved_to", opened.recovery->movedTo);
    TILLID_RETURN_IF_ERROR(audit::append(db, "agent", "store.recovered", details).status());
    TILLID_RETURN_IF_ERROR(store::setMeta(db, "last_recovery",
                                          formatTimestamp(WallClock::now()) + " " +
                                              opened.recovery->movedTo + " (" +
                                              opened.recovery->reason + ")"));
  }
  for (const auto& m : opened.migrations) {
    Object::Ptr details = new Object;
    details->set("module", m.module);
    details->set("from", m.fromVersion);
    details->set("to", m.toVersion);
    TILLID_RETURN_IF_ERROR(audit::append(db, "agent", "store.migrated", details).status());
  }
  const std::string current = config.canonical();
  auto previous = store::getMeta(db, "config");
  const std::string before = previous && previous->has_value() ? **previous : "";
  if (before != current) {
    Object::Ptr details = new Object;
    if (!before.empty()) {
      Poco::JSON::Array::Ptr keys = new Poco::JSON::Array;
      for (const auto& key : Config::changedKeys(before, current)) keys->add(key);
      details->set("changed_keys", keys);
    }
    details->set("sha256", sha256Hex(current));
    details->set("source", config.sourceDescription());
    if (!config.overriddenKeys().empty()) {
      Poco::JSON::Array::Ptr overrides = new Poco::JSON::Array;
      for (const auto& key : config.overriddenKeys()) overrides->add(key);
      details->set("overrides", overrides);
    }
    TILLID_RETURN_IF_ERROR(
        audit::append(db, "agent", before.empty() ? "config.initial" : "config.changed", details)
            .status());
    TILLID_RETURN_IF_ERROR(store::setMeta(db, "config", current));
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Agent>> Agent::start(const Config& config, const StatePaths& paths,
                                            const platform::Platform& platform, AgentScope scope) {
  auto lock = platform.instanceLocks->acquire(paths.lock());
  if (!lock) return lock.status();

  auto opened = store::openStore(paths.database(), agentSchemaModules(),
                                 static_cast<int>(config.integer("store.busy_timeout_ms")));
  if (!opened) return opened.status();
  if (opened->recovery) {
    logger("agent").error("the database was damaged (" + opened->recovery->reason +
                          "); it was moved to " + opened->recovery->movedTo +
                          " and a new one was created");
  }
  {
    store::Transaction tx(opened->db);
    TILLID_RETURN_IF_ERROR(tx.begun());
    TILLID_RETURN_IF_ERROR(recordStartupFacts(opened->db, *opened, config));
    Object::Ptr details = new Object;
    details->set("version", TILLID_VERSION);
    details->set("state_dir", paths.root);
    TILLID_RETURN_IF_ERROR(audit::append(opened->db, "agent", "agent.start", details).status());
    TILLID_RETURN_IF_ERROR(
        store::setMeta(opened->db, "last_write", formatTimestamp(WallClock::now())));
    TILLID_RETURN_IF_ERROR(tx.commit());
  }

  std::unique_ptr<Agent> agent(new Agent);
  agent->started_ = std::chrono::steady_clock::now();
  agent->lock_ = std::move(*lock);
  store::WriterOptions options;
  options.maxBatchJobs = static_cast<size_t>(config.integer("store.batch_max_rows"));
  options.maxBatchDelay = std::chrono::milliseconds(config.integer("store.batch_max_ms"));
  options.recordLoss = audit::recordLostWrites;
  agent->writer_ = std::make_unique<store::Writer>(std::move(opened->db), options);
  if (scope == AgentScope::kService) agent->startServiceComponents(config, paths, platform);
  logger("agent").information("agent started, state directory " + paths.root);
  return agent;
}

void Agent::startServiceComponents(const Config& config, const StatePaths& paths,
                                   const platform::Platform& platform) {
  health_ = std::make_unique<HealthSampler>(
      *writer_, std::chrono::milliseconds(config.integer("health.interval_ms")),
      config.integer("health.keep_samples"));
  if (config.boolean("capture.enabled")) {
    // Citrix sessions and heavy streaming are judged on the same packets.
    processes_ = platform.processes;
    citrix_ = std::make_unique<citrix::CitrixMonitor>(config, *writer_, processes_.get());
    auto capture = UsageCapture::start(config, *writer_, citrix_->observers(), platform);
    if (capture) {
      capture_ = std::move(*capture);
    } else {
      // The agent's other duties (reporting, offboarding) go on; the gap is on record.
      logger("agent").error("not capturing: " + capture.status().message());
      Object::Ptr details = new Object;
      details->set("reason", capture.status().message());
      audit("agent", "capture.failed", details);
    }
  }
  auto uploader = report::startUploaderIfEnrolled(config, paths.root, *writer_);
  if (uploader) {
    uploader_ = std::move(*uploader);
  } else {
    logger("agent").error("not uploading: " + uploader.status().message());
  }
  // Rows wait for the collector on a device enrolled with one, also while its uploader
  // could not start.
  const bool reportsToCollector = !uploader || uploader_ != nullptr;
  retention_ =
      std::make_unique<RetentionScheduler>(*writer_, retentionRules(config, reportsToCollector));
  // Offboarding: a run accepted earlier resumes at its interrupted step (here, or in
  // tillid-reset.service: offboard.executor); the "offboard"
  // task (below) starts a new one.
  offboard::EngineSettings engine{offboard::offboardSettings(config), paths.root};
  engine.platform = platform;
  offboard_ = offboard::makeOffboardExecutor(
      std::move(engine), [database = paths.database()]() -> Result<store::Database> {
        auto reopened = store::openStore(database, agentSchemaModules());
        if (!reopened) return reopened.status();
        return std::move(reopened->db);
      });
  offboard_->start();
  auto myData = serveMyData(config, *writer_);
  if (myData) {
    myData_ = std::move(*myData);
  } else {
    // Not fatal: the employee view is missing, recording and reporting go on.
    logger("agent").error("no employee view: " + myData.status().message());
  }
  // Task handlers are registered by name before the channel starts polling.
  auto channel = tasks::TaskChannel::openIfEnrolled(config, paths.root, *writer_);
  if (!channel) {
    logger("agent").error("no task channel: " + channel.status().message());
  } else if (*channel) {
    tasks_ = std::move(*channel);
    tasks::registerNamedQueries(tasks_->dispatcher(), tasks_->verifier(), *writer_);
    offboard::registerOffboarding(tasks_->dispatcher(), tasks_->verifier(),
                                  offboard::offboardSettings(config), paths.database(),
                                  [runner = offboard_.get()] { runner->start(); });
    tasks_->start();
  }
  if (platform.serviceNotifier) {
    notifier_ = platform.serviceNotifier;
    // READY first: the service manager must not see a watchdog ping before it.
    notifier_->ready();
    watchdog_ = std::make_unique<ServiceWatchdog>(*writer_, *notifier_);
  }
}

Agent::~Agent() {
  stop("destroyed");
}

void Agent::audit(const std::string& actor, const std::string& action, Object::Ptr details) {
  writer_->submit([actor, action, details](store::Database& db) {
    return audit::append(db, actor, action, details).status();
  });
}

void Agent::stop(const std::string& reason) {
  if (stopped_) return;
  stopped_ = true;
  capture_.reset();                // first: it hands its last usage to the writer
  if (citrix_) citrix_->finish();  // after the capture thread: ends streams and sessions
  watchdog_.reset();               // no ping may follow STOPPING
  if (notifier_) notifier_->stopping();
  health_.reset();
  retention_.reset();
  offboard_.reset();  // stops at the next checkpoint; resumed at the next start
  if (myData_) myData_->stop();
  tasks_.reset();
  uploader_.reset();
  Object::Ptr details = new Object;
  details->set("reason", reason);
  details->set("uptime_s", std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now() - started_)
                               .count());
  audit("agent", "agent.stop", details);
  writer_->stop();
  const store::WriterStats stats = writer_->stats();
  logger("agent").information("agent stopped (" + reason + "), " +
                              std::to_string(stats.jobsCommitted) + " writes committed, " +
                              std::to_string(stats.jobsFailed) + " failed, " +
                              std::to_string(stats.jobsLost) + " lost");
}

}  // namespace tillid
