#include "store/writer.h"

#include "common/logging.h"
#include "common/time.h"
#include "store/store.h"

namespace tillid::store {

Writer::Writer(Database db, WriterOptions options)
    : db_(std::move(db)), options_(options), thread_([this] { loop(); }) {}

Writer::~Writer() {
  stop();
}

void Writer::submit(Job job) {
  std::lock_guard lock(mutex_);
  if (stopping_) {
    // A programming error (submitting after shutdown); losing it silently would hide it.
    logger("store").error("store writer stopped; a write was refused");
    stats_.jobsFailed++;
    return;
  }
  if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
  queue_.push_back(std::move(job));
  submitted_++;
  if (queue_.size() >= options_.maxBatchJobs) wake_.notify_one();
  if (queue_.size() == 1) wake_.notify_one();
}

Status Writer::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = submitted_;
  flushWanted_ = std::max(flushWanted_, target);
  wake_.notify_one();
  flushed_.wait(lock, [&] { return finished_ >= target || exited_; });
  return lastCommit_;
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (exited_) return;
    stopping_ = true;
    flushWanted_ = submitted_;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Writer::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Sleep until there is a full batch, the oldest job has waited long enough, a flush
    // was asked for, or we are stopping.
    wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty() && stopping_) {
      exited_ = true;
      flushed_.notify_all();
      return;
    }
    const auto deadline = oldest_ + options_.maxBatchDelay;
    wake_.wait_until(lock, deadline, [&] {
      return queue_.size() >= options_.maxBatchJobs || stopping_ || flushWanted_ > finished_;
    });
    std::deque<Job> batch;
    const size_t take = std::min(queue_.size(), options_.maxBatchJobs);
    for (size_t i = 0; i < take; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    lock.unlock();
    const size_t count = batch.size();
    Status status = commitBatch(batch);
    lock.lock();
    finished_ += count;
    lastCommit_ = status;
    flushed_.notify_all();
  }
}

Status Writer::commitBatch(std::deque<Job>& batch) {
  uint64_t failed = 0;
  std::string lastError;
  std::string retriedError;  // why the previous attempt failed
  // A busy or full disk is retried a few times before the batch is reported lost.
  for (int attempt = 0; attempt < 5; ++attempt) {
    failed = 0;
    Transaction tx(db_);
    Status status = tx.begun();
    for (auto& job : batch) {
      if (!status.isOk()) break;
      status = db_.exec("SAVEPOINT job");
      if (!status.isOk()) break;
      Status jobStatus = job(db_);
      if (jobStatus.code() == ErrorCode::kNoSpace) {
        // The store is full, not the job wrong: the whole batch waits for the retry.
        status = jobStatus;
        break;
      }
      if (!jobStatus.isOk()) {
        failed++;
        lastError = jobStatus.message();
        logger("store").error("write failed and was rolled back: " + jobStatus.message());
        status = db_.exec("ROLLBACK TO job");
        if (!status.isOk()) break;
      }
      status = db_.exec("RELEASE job");
    }
    if (status.isOk()) status = recordFacts(attempt, retriedError);
    if (status.isOk()) status = tx.commit();
    if (status.isOk()) {
      if (unrecordedLoss_.count > 0) {
        logger("store").warning("the store writes again; " + std::to_string(unrecordedLoss_.count) +
                                " lost writes were recorded in the security log");
      }
      unrecordedLoss_ = {};
      std::lock_guard lock(mutex_);
      stats_.commits++;
      stats_.jobsCommitted += batch.size() - failed;
      stats_.jobsFailed += failed;
      if (attempt > 0) stats_.commitsDelayed++;
      if (!lastError.empty()) stats_.lastError = lastError;
      return Status::ok();
    }
    lastError = retriedError = status.message();
    logger("store").warning("commit failed (attempt " + std::to_string(attempt + 1) +
                            "): " + status.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(50 << attempt));
  }
  const std::string now = formatTimestamp(WallClock::now());
  if (unrecordedLoss_.count == 0) unrecordedLoss_.first = now;
  unrecordedLoss_.count += batch.size();
  unrecordedLoss_.last = now;
  unrecordedLoss_.error = lastError;
  logger("store").error("a batch of " + std::to_string(batch.size()) +
                        " writes was lost: " + lastError + " (" +
                        std::to_string(unrecordedLoss_.count) + " lost since the last commit)");
  std::lock_guard lock(mutex_);
  stats_.jobsLost += batch.size();
  stats_.lastError = lastError;
  return Status::error(ErrorCode::kIo, "a batch of " + std::to_string(batch.size()) +
                                           " writes could not be committed: " + lastError);
}

Status Writer::recordFacts(int attempt, const std::string& retriedError) {
  const std::string now = formatTimestamp(WallClock::now());
  TILLID_RETURN_IF_ERROR(setMeta(db_, "last_write", now));
  if (attempt > 0) {
    TILLID_RETURN_IF_ERROR(addToMetaCount(db_, kMetaDelayedCommits, 1));
    TILLID_RETURN_IF_ERROR(setMeta(db_, kMetaLastDelayedCommit, now + " " + retriedError));
  }
  if (unrecordedLoss_.count == 0) return Status::ok();
  TILLID_RETURN_IF_ERROR(addToMetaCount(db_, kMetaLostWrites, unrecordedLoss_.count));
  TILLID_RETURN_IF_ERROR(
      setMeta(db_, kMetaLastLostWrite, unrecordedLoss_.last + " " + unrecordedLoss_.error));
  if (options_.recordLoss) return options_.recordLoss(db_, unrecordedLoss_);
  return Status::ok();
}

}  // namespace tillid::store
