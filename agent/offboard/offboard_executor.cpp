#include "agent/offboard/offboard_executor.h"

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <fstream>

#include "agent/offboard/offboard_runner.h"
#include "common/canonical_json.h"
#include "common/logging.h"

namespace tillid::offboard {
namespace {

// offboard.executor "reset-service": requests the run from the privileged unit.
class ResetServiceRequester final : public OffboardExecutor {
 public:
  ResetServiceRequester(std::string stateDir, DatabaseOpener openDatabase)
      : stateDir_(std::move(stateDir)), openDatabase_(std::move(openDatabase)) {}

  // Also at every agent start: an order accepted just before a crash, whose request was
  // never written, is requested now.
  void start() override {
    auto db = openDatabase_();
    if (!db) {
      logger("offboard").error("cannot open the store: " + db.status().message());
      return;
    }
    auto run = loadRun(*db);
    if (!run) {
      logger("offboard").error("cannot read the offboarding run: " + run.status().message());
      return;
    }
    if (!run->has_value() || (*run)->state == kRunCompleted) return;
    if (Status written = writeResetRequest(stateDir_, **run); !written) {
      logger("offboard").error("cannot request the reset: " + written.message());
      return;
    }
    logger("offboard")
        .notice("offboarding requested from tillid-reset.service (case " + (*run)->caseRef + ")");
  }
  void stop() override {}

 private:
  const std::string stateDir_;
  const DatabaseOpener openDatabase_;
};

}  // namespace

std::unique_ptr<OffboardExecutor> makeOffboardExecutor(EngineSettings settings,
                                                       OffboardExecutor::DatabaseOpener open) {
  if (settings.offboard.executor == Executor::kResetService) {
    return std::make_unique<ResetServiceRequester>(settings.stateDir, std::move(open));
  }
  return std::make_unique<OffboardRunner>(std::move(settings), std::move(open));
}

std::string offboardLockPath(const std::string& stateDir) {
  return stateDir + "/offboard.lock";
}

std::string resetRequestPath(const std::string& stateDir) {
  return stateDir + "/offboard.requested";
}

Status writeResetRequest(const std::string& stateDir, const RunRecord& run) {
  // What the service will carry out, for a person looking at the file; the database is
  // the authority.
  Poco::JSON::Object::Ptr request = new Poco::JSON::Object;
  request->set("case", run.caseRef);
  request->set("profile", profileName(run.profile));
  request->set("accepted_at", run.acceptedAt);
  const std::string path = resetRequestPath(stateDir);
  const std::string partial = path + ".new";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << canonicalJson(request) << "\n";
    if (!out.flush()) return Status::error(ErrorCode::kIo, "cannot write " + partial);
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error)
    return Status::error(ErrorCode::kIo, "cannot rename to " + path + ": " + error.message());
  return Status::ok();
}

Status removeResetRequest(const std::string& stateDir) {
  std::error_code error;
  std::filesystem::remove(resetRequestPath(stateDir), error);
  if (error) {
    return Status::error(ErrorCode::kIo,
                         "cannot remove " + resetRequestPath(stateDir) + ": " + error.message());
  }
  return Status::ok();
}

}  // namespace tillid::offboard
