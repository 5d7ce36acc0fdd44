#pragma once
// The store's single writer: one thread owns the writable connection and commits
// submitted jobs in batched transactions (one fsync per batch, not per row). Each job runs
// inside its own savepoint, so one failing job never rolls back the others.
// Thread-safe: submit() and flush() may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/store/database.h"

namespace tillid::store {

struct WriterOptions {
  size_t maxBatchJobs = 500;                              // commit when this many are queued
  std::chrono::milliseconds maxBatchDelay{1000};          // or when the oldest waited this long
};

struct WriterStats {
  uint64_t commits = 0;
  uint64_t jobsCommitted = 0;
  uint64_t jobsFailed = 0;       // jobs whose own statements failed (rolled back alone)
  std::string lastError;
};

class Writer {
 public:
  using Job = std::function<Status(Database&)>;

  Writer(Database db, WriterOptions options);
  ~Writer();  // flushes and stops
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(Job job);
  // Blocks until every job submitted before the call is committed (or failed).
  Status flush();
  // Flushes and joins the thread; later submits are rejected. Idempotent.
  void stop();

  WriterStats stats() const;

 private:
  void loop();
  Status commitBatch(std::deque<Job>& batch);

  Database db_;
  const WriterOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // new job, flush request or stop
  std::condition_variable flushed_;   // a batch finished
  std::deque<Job> queue_;             // GUARDED_BY(mutex_)
  uint64_t submitted_ = 0;            // GUARDED_BY(mutex_)
  uint64_t finished_ = 0;             // GUARDED_BY(mutex_)
  uint64_t flushWanted_ = 0;          // GUARDED_BY(mutex_): finish through this job count
  bool stopping_ = false;             // GUARDED_BY(mutex_)
  bool exited_ = false;               // GUARDED_BY(mutex_): the thread has returned
  Status lastCommit_;                 // GUARDED_BY(mutex_)
  WriterStats stats_;                 // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point oldest_;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

// Runs `fn` as a writer job and waits for its commit: the job's own result, or why
// there is none (the store is stopping, the commit failed). Blocks the calling thread.
// REQUIRES: not called on the writer's thread.
template <typename T>
Result<T> runInWriter(Writer& writer, std::function<Result<T>(Database&)> fn) {
  auto result = std::make_shared<std::optional<Result<T>>>();
  writer.submit([fn, result](Database& db) {
    *result = fn(db);
    return (**result).status();
  });
  Status flushed = writer.flush();
  if (!result->has_value()) {
    return flushed.isOk() ? Status::error(ErrorCode::kUnavailable, "the store is stopping")
                          : flushed;
  }
  if (!flushed.isOk()) return flushed;
  return std::move(**result);
}

}  // namespace tillid::store
