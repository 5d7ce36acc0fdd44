#include "agent/report/uploader.h"

#include <Poco/JSON/Object.h>

#include <algorithm>

#include "agent/audit/audit_log.h"
#include "agent/usage/usage_aggregator.h"
#include "common/canonical_json.h"
#include "common/logging.h"
#include "protocol/curl_transport.h"
#include "protocol/gzip.h"
#include "store/store.h"

namespace tillid::report {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// "YYYY-MM-DDTHH:00:00Z", the format of usage_hourly.hour.
std::string hourStart(TimePoint t) {
  return formatTimestamp(t).substr(0, 13) + ":00:00Z";
}

// What of usage_hourly's closed hours is not yet in the outbox, as deltas: each row's
// totals minus its sent_* columns (usage::usageSchema). Enqueuing a delta and moving the row's
// sent_* to its totals happen in one transaction, so every committed count is enqueued
// exactly once, whatever the order in which hours were written.
Status enqueueClosedUsage(store::Database& db, TimePoint closedBefore) {
  auto select = db.prepare(std::string("SELECT hour, user, application, destination, service,"
                                       " category, connections - sent_connections,"
                                       " bytes_in - sent_bytes_in, bytes_out - sent_bytes_out,"
                                       " active_seconds - sent_active_seconds"
                                       " FROM usage_hourly WHERE ") +
                           usage::kUsageUnsent + " AND hour < ? ORDER BY hour");
  if (!select) return select.status();
  select->bind(1, hourStart(closedBefore));
  std::vector<std::string> payloads;
  while (true) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
    const char* texts[] = {"hour", "user", "application", "destination", "service", "category"};
    for (int i = 0; i < 6; ++i) p->set(texts[i], select->text(i));
    const char* counts[] = {"connections", "bytes_in", "bytes_out", "active_seconds"};
    for (int i = 0; i < 4; ++i) p->set(counts[i], select->int64(6 + i));
    payloads.push_back(canonicalJson(p));
  }
  select->reset();
  for (const auto& payload : payloads) {
    TILLID_RETURN_IF_ERROR(
        Outbox::enqueue(db, RecordKind::kUsage, defaultPriority(RecordKind::kUsage), payload));
  }
  auto mark = db.prepare(std::string("UPDATE usage_hourly SET sent_connections = connections,"
                                     " sent_bytes_in = bytes_in, sent_bytes_out = bytes_out,"
                                     " sent_active_seconds = active_seconds WHERE ") +
                         usage::kUsageUnsent + " AND hour < ?");
  if (!mark) return mark.status();
  return mark->bind(1, hourStart(closedBefore)).run();
}

// The security log's head, when it moved since the last anchor.
Status enqueueAnchor(store::Database& db) {
  auto head = audit::head(db);
  if (!head) return head.status();
  if (!head->has_value()) return Status::ok();
  auto anchored = store::getMeta(db, "report.anchor_seq");
  if (!anchored) return anchored.status();
  const std::string seq = std::to_string((*head)->seq);
  if (anchored->value_or("") == seq) return Status::ok();
  Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
  p->set("seq", (*head)->seq);
  p->set("hash", (*head)->hash);
  TILLID_RETURN_IF_ERROR(Outbox::enqueue(db, RecordKind::kAnchor,
                                         defaultPriority(RecordKind::kAnchor), canonicalJson(p)));
  return store::setMeta(db, "report.anchor_seq", seq);
}

Status enforceBudget(store::Database& db, int64_t budgetBytes) {
  auto outcome = Outbox::enforceBudget(db, budgetBytes);
  if (!outcome) return outcome.status();
  if (outcome->droppedRows == 0) return Status::ok();
  auto total = store::getMeta(db, "report.dropped_rows");
  if (!total) return total.status();
  const int64_t dropped = std::stoll(total->value_or("0")) + outcome->droppedRows;
  TILLID_RETURN_IF_ERROR(store::setMeta(db, "report.dropped_rows", std::to_string(dropped)));
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  details->set("kind", "usage");
  details->set("rows", outcome->droppedRows);
  details->set("bytes", outcome->droppedBytes);
  details->set("budget_bytes", budgetBytes);
  logger("report").warning("outbox over its budget: dropped the " +
                           std::to_string(outcome->droppedRows) + " oldest usage summaries");
  return audit::append(db, "agent", "report.dropped", details).status();
}

}  // namespace

UploaderSettings uploaderSettings(const Config& config) {
  UploaderSettings s;
  s.interval = milliseconds(config.integer("report.interval_ms"));
  s.drainInterval = milliseconds(config.integer("report.drain_interval_ms"));
  s.batchMaxRecords = config.integer("report.batch_max_records");
  s.batchMaxBytes = config.integer("report.batch_max_bytes");
  s.budgetBytes = config.integer("report.budget_bytes");
  s.anchorInterval = seconds(config.integer("report.anchor_interval_seconds"));
  s.usageCloseDelay = seconds(config.integer("report.usage_close_delay_seconds"));
  s.backoffMin = milliseconds(config.integer("report.backoff_min_ms"));
  s.backoffMax = milliseconds(config.integer("report.backoff_max_ms"));
  s.renewFraction = config.number("report.renew_fraction");
  s.pinnedPublicKeys = config.string("report.pinned_public_keys");
  s.proxy = config.string("report.proxy");
  return s;
}

Uploader::Uploader(store::Writer& writer, EnrollmentFiles files, Enrollment enrollment,
                   UploaderSettings settings, std::unique_ptr<Transport> transport,
                   std::unique_ptr<Transport> withoutCertificate)
    : writer_(writer),
      files_(std::move(files)),
      enrollment_(std::move(enrollment)),
      settings_(std::move(settings)),
      transport_(std::move(transport)),
      withoutCertificate_(std::move(withoutCertificate)),
      batchMaxRecords_(settings_.batchMaxRecords),
      random_(std::random_device{}()) {
  thread_ = std::thread([this] { loop(); });
}

Uploader::~Uploader() {
  stop();
}

void Uploader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Uploader::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const milliseconds wait = step();
    lock.lock();
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

milliseconds Uploader::backoff(std::optional<seconds> retryAfter) {
  const int exponent = std::min(failures_, 20);
  ++failures_;
  const double base = std::min(static_cast<double>(settings_.backoffMax.count()),
                               static_cast<double>(settings_.backoffMin.count()) *
                                   static_cast<double>(int64_t{1} << exponent));
  // Full jitter over the upper half, so that agents that failed together spread out.
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  milliseconds wait(static_cast<int64_t>(base * jitter(random_)));
  if (retryAfter) wait = std::max<milliseconds>(wait, *retryAfter);
  return wait;
}

void Uploader::recordFailure(const std::string& message) {
  logger("report").warning("upload failed: " + message);
  const std::string value = formatTimestamp(WallClock::now()) + " " + message;
  writer_.submit(
      [value](store::Database& db) { return store::setMeta(db, "report.last_error", value); });
}

Status Uploader::prepareOutbox() {
  const auto now = std::chrono::steady_clock::now();
  const bool anchorDue = now >= nextAnchor_;
  if (anchorDue) nextAnchor_ = now + settings_.anchorInterval;
  const TimePoint closedBefore = WallClock::now() - settings_.usageCloseDelay;
  const int64_t budget = settings_.budgetBytes;
  return store::runInWriter<bool>(writer_,
                                  [=](store::Database& db) -> Result<bool> {
                                    TILLID_RETURN_IF_ERROR(enqueueClosedUsage(db, closedBefore));
                                    if (anchorDue) TILLID_RETURN_IF_ERROR(enqueueAnchor(db));
                                    TILLID_RETURN_IF_ERROR(enforceBudget(db, budget));
                                    return true;
                                  })
      .status();
}

milliseconds Uploader::step() {
  Status prepared = prepareOutbox();
  if (!prepared) {
    recordFailure("preparing the outbox: " + prepared.message());
    return backoff(std::nullopt);
  }
  if (std::chrono::steady_clock::now() >= nextRenewCheck_) {
    nextRenewCheck_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
    auto renewed =
        renewIfDue(*transport_, *withoutCertificate_, files_, enrollment_, settings_.renewFraction);
    if (!renewed) {
      recordFailure("certificate renewal: " + renewed.status().message());
      nextRenewCheck_ = std::chrono::steady_clock::now() + backoff(std::nullopt);
    } else if (*renewed) {
      logger("report").information("device certificate renewed, valid until " +
                                   enrollment_.certificateExpires);
    }
  }
  const std::string deviceId = enrollment_.deviceId;
  const int64_t maxRecords = batchMaxRecords_;
  const int64_t maxBytes = settings_.batchMaxBytes;
  auto batch = store::runInWriter<PendingBatch>(writer_, [=](store::Database& db) {
    return Outbox::takeBatch(db, deviceId, maxRecords, maxBytes);
  });
  if (!batch) {
    recordFailure("reading the outbox: " + batch.status().message());
    return backoff(std::nullopt);
  }
  if (batch->batchId.empty()) return settings_.interval;

  auto body = gzipCompress(batch->json);
  if (!body) {
    recordFailure("compressing the batch: " + body.status().message());
    return backoff(std::nullopt);
  }
  HttpRequest request{"POST",
                      "/v1/reports",
                      "application/json",
                      {{"Content-Encoding", "gzip"}, {"Idempotency-Key", batch->batchId}},
                      std::move(*body)};
  auto response = transport_->send(request);
  if (!response) {
    recordFailure(response.status().message());
    return backoff(std::nullopt);
  }
  const std::string batchId = batch->batchId;
  if (response->status == 200) {
    failures_ = 0;
    const std::string now = formatTimestamp(WallClock::now());
    auto acked = store::runInWriter<bool>(writer_, [=](store::Database& db) -> Result<bool> {
      TILLID_RETURN_IF_ERROR(Outbox::acknowledge(db, batchId));
      TILLID_RETURN_IF_ERROR(store::setMeta(db, "report.last_upload", now));
      return true;
    });
    if (!acked) recordFailure("acknowledging: " + acked.status().message());
    return settings_.drainInterval;
  }
  if (response->status == 413 && batch->records > 1) {
    batchMaxRecords_ = std::max<int64_t>(1, batch->records / 2);
    writer_.submit([batchId](store::Database& db) { return Outbox::release(db, batchId); });
    return settings_.drainInterval;
  }
  recordFailure("the collector answered HTTP " + std::to_string(response->status) + ": " +
                response->body.substr(0, 300));
  return backoff(response->retryAfter);
}

Result<std::unique_ptr<Uploader>> startUploaderIfEnrolled(const Config& config,
                                                          const std::string& stateDir,
                                                          store::Writer& writer) {
  EnrollmentFiles files{stateDir};
  auto enrollment = loadEnrollment(files);
  if (!enrollment) return enrollment.status();
  if (!enrollment->has_value()) return std::unique_ptr<Uploader>();
  UploaderSettings settings = uploaderSettings(config);
  const TlsClientOptions tls =
      deviceTlsOptions(**enrollment, files, settings.pinnedPublicKeys, settings.proxy);
  auto transport = std::make_unique<CurlTransport>(tls);
  auto withoutCertificate = std::make_unique<CurlTransport>(withoutClientCertificate(tls));
  return std::make_unique<Uploader>(writer, files, **enrollment, std::move(settings),
                                    std::move(transport), std::move(withoutCertificate));
}

}  // namespace tillid::report
