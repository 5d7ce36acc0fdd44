#pragma once
// The running agent's task channel, assembled: the order verifier (with the trusted keys
// from the enrollment), the dispatcher, and the poller. Components register their
// handlers by task type between openIfEnrolled() and start(); the channel itself handles
// "trusted-keys" (key rotation).
//
//   auto channel = tasks::TaskChannel::openIfEnrolled(config, stateDir, writer);
//   if (channel && *channel) {
//     (*channel)->dispatcher().add("offboard", [&](const tasks::Task& t) { ... });
//     (*channel)->start();
//   }
//
// Handlers that need a signed order call verifier().accept(*task.order, {...}).

#include <memory>
#include <string>

#include "agent/tasks/order_verifier.h"
#include "agent/tasks/task.h"
#include "agent/tasks/task_poller.h"
#include "common/config.h"
#include "protocol/curl_transport.h"
#include "store/writer.h"

namespace tillid::tasks {

class TaskChannel final {
 public:
  // nullptr when `stateDir` holds no enrollment. `writer` must outlive the channel.
  static Result<std::unique_ptr<TaskChannel>> openIfEnrolled(const Config& config,
                                                             const std::string& stateDir,
                                                             store::Writer& writer);
  ~TaskChannel();  // stops

  const std::string& deviceId() const { return verifier_->deviceId(); }
  OrderVerifier& verifier() { return *verifier_; }
  // REQUIRES: start() not called yet.
  TaskDispatcher& dispatcher() { return dispatcher_; }

  // Starts polling. REQUIRES: called once.
  void start();
  void stop();

 private:
  TaskChannel() = default;

  report::TlsClientOptions tls_;
  PollerSettings settings_;
  store::Writer* writer_ = nullptr;
  std::unique_ptr<OrderVerifier> verifier_;
  TaskDispatcher dispatcher_;
  std::unique_ptr<TaskPoller> poller_;
};

// The trusted-keys file in a state directory.
std::string trustedKeysPath(const std::string& stateDir);

}  // namespace tillid::tasks
