#pragma once
// The uploader: a background thread of the running agent that fills the outbox (what is new
// in closed hours of usage_hourly, security-log anchors), keeps it within its disk budget, and
// drains it to the collector in gzip JSON batches with idempotency keys.
//   - A batch leaves the outbox only when the collector acknowledged it; a retry sends the
//     same records under the same key, so every record is stored exactly once.
//   - Failures back off exponentially with jitter; 429/503 wait at least Retry-After.
//   - A backlog drains at a paced rate (one batch per drain interval), never in a gush.
//   - The device certificate is renewed when a third of its lifetime is left.
// All store access goes through the writer's jobs. Thread-safe: stop() from any thread.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "agent/report/outbox.h"
#include "common/config.h"
#include "protocol/enrollment.h"
#include "protocol/transport.h"
#include "store/writer.h"

namespace tillid::report {

struct UploaderSettings {
  std::chrono::milliseconds interval{60000};     // idle check of the outbox
  std::chrono::milliseconds drainInterval{500};  // between batches of a backlog
  int64_t batchMaxRecords = 2000;
  int64_t batchMaxBytes = 1 << 20;
  int64_t budgetBytes = 64 << 20;
  std::chrono::seconds anchorInterval{300};
  std::chrono::seconds usageCloseDelay{900};  // an hour is closed this long after its end
  std::chrono::milliseconds backoffMin{5000};
  std::chrono::milliseconds backoffMax{3600000};
  double renewFraction = 1.0 / 3;
  std::string pinnedPublicKeys;
  std::string proxy;
};

// The "report.*" keys of the agent configuration.
UploaderSettings uploaderSettings(const Config& config);

class Uploader final {
 public:
  // Starts the thread. `writer` must outlive the uploader. `withoutCertificate` reaches
  // the same collector without the client certificate (renewal once it has expired).
  Uploader(store::Writer& writer, EnrollmentFiles files, Enrollment enrollment,
           UploaderSettings settings, std::unique_ptr<Transport> transport,
           std::unique_ptr<Transport> withoutCertificate);
  ~Uploader();  // stops
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Finishes the request in flight (bounded by the transport's timeout) and joins.
  void stop();

 private:
  void loop();
  // One step: prepare the outbox, send at most one batch. Returns the wait before the next.
  std::chrono::milliseconds step();
  std::chrono::milliseconds backoff(std::optional<std::chrono::seconds> retryAfter);
  Status prepareOutbox();
  void recordFailure(const std::string& message);

  store::Writer& writer_;
  const EnrollmentFiles files_;
  Enrollment enrollment_;
  const UploaderSettings settings_;
  std::unique_ptr<Transport> transport_;  // used only by the thread
  std::unique_ptr<Transport> withoutCertificate_;
  int64_t batchMaxRecords_;  // halved when the collector says 413
  int failures_ = 0;         // consecutive, for the backoff
  std::chrono::steady_clock::time_point nextAnchor_;
  std::chrono::steady_clock::time_point nextRenewCheck_;
  std::mt19937_64 random_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

// An uploader when `stateDir` holds an enrollment, nullptr when it does not.
Result<std::unique_ptr<Uploader>> startUploaderIfEnrolled(const Config& config,
                                                          const std::string& stateDir,
                                                          store::Writer& writer);

}  // namespace tillid::report
