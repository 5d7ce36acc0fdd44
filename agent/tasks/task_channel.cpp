#include "agent/tasks/task_channel.h"

#include "agent/report/uploader.h"
#include "protocol/curl_transport.h"
#include "protocol/enrollment.h"

namespace tillid::tasks {

std::string trustedKeysPath(const std::string& stateDir) {
  return report::EnrollmentFiles{stateDir}.orderKeys();
}

Result<std::unique_ptr<TaskChannel>> TaskChannel::openIfEnrolled(const Config& config,
                                                                 const std::string& stateDir,
                                                                 store::Writer& writer) {
  report::EnrollmentFiles files{stateDir};
  auto enrollment = report::loadEnrollment(files);
  if (!enrollment) return enrollment.status();
  if (!enrollment->has_value()) return std::unique_ptr<TaskChannel>();
  auto verifier = OrderVerifier::open((*enrollment)->deviceId, files.orderKeys(), writer,
                                      orderValidityLimits(config));
  if (!verifier) return verifier.status();
  std::unique_ptr<TaskChannel> channel(new TaskChannel);
  const report::UploaderSettings upload = report::uploaderSettings(config);
  channel->settings_ = pollerSettings(config);
  channel->tls_ =
      report::deviceTlsOptions(**enrollment, files, upload.pinnedPublicKeys, upload.proxy);
  // The collector holds the poll up to `wait`; allow for the network on top.
  channel->tls_.timeout = channel->settings_.wait + std::chrono::seconds(30);
  channel->writer_ = &writer;
  channel->verifier_ = std::move(*verifier);
  OrderVerifier& gate = *channel->verifier_;
  channel->dispatcher_.add("trusted-keys", [&gate](const Task& task) {
    if (!task.order) return TaskReply::refused("key rotation needs a signed order");
    auto rotated = gate.rotate(*task.order);
    if (!rotated) return TaskReply::fromStatus(rotated.status());
    Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
    result->set("version", rotated->version());
    result->set("keys", static_cast<int64_t>(rotated->keys().size()));
    return TaskReply::answered(result);
  });
  return channel;
}

TaskChannel::~TaskChannel() {
  stop();
}

void TaskChannel::start() {
  poller_ = std::make_unique<TaskPoller>(
      dispatcher_, *writer_, settings_, [this](const std::atomic<bool>* abort) {
        report::TlsClientOptions options = tls_;
        options.abort = abort;
        return std::unique_ptr<report::Transport>(new report::CurlTransport(options));
      });
}

void TaskChannel::stop() {
  if (poller_) poller_->stop();
}

}  // namespace tillid::tasks
