#include "agent/offboard/offboard_runner.h"

#include "common/logging.h"

namespace tillid::offboard {

void OffboardRunner::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_ || working_) return;
  if (thread_.joinable()) thread_.join();  // a finished earlier pass
  working_ = true;
  thread_ = std::thread([this] {
    work();
    working_ = false;
  });
}

void OffboardRunner::stop() {
  stop_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) thread_.join();
}

void OffboardRunner::work() {
  // One process carries out the run: never beside `offboard execute`.
  auto lock = settings_.platform.instanceLocks->acquire(offboardLockPath(settings_.stateDir));
  if (!lock) {
    logger("offboard").warning("not carrying out the run here: " + lock.status().message());
    return;
  }
  auto db = openDatabase_();
  if (!db) {
    logger("offboard").error("cannot open the store: " + db.status().message());
    return;
  }
  auto engine = OffboardEngine::open(settings_, std::move(*db));
  const Status done = engine->run(&stop_);
  if (done) {
    logger("offboard").notice("offboarding completed: every step verified");
  } else if (done.code() != ErrorCode::kNotFound && !stop_) {
    logger("offboard").error("offboarding stopped: " + done.message());
  }
}

}  // namespace tillid::offboard
