#pragma once
// The store's single writer: one thread owns the writable connection and commits
// submitted jobs in batched transactions (one fsync per batch, not per row). Each job runs
// inside its own savepoint, so one failing job never rolls back the others. A full store
// (a job or the commit failing with kNoSpace) or a failing commit is retried a few times;
// then the batch is lost, counted (stats, meta, WriterOptions::recordLoss) and logged.
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

#include "store/database.h"

namespace tillid::store {

// Writes the store could not commit (a full disk, an I/O error) since they were last
// recorded: `count` jobs lost between `first` and `last`, the last with `error`.
struct LostWrites {
  uint64_t count = 0;
  std::string first, last;  // formatTimestamp
  std::string error;
};

struct WriterOptions {
  size_t maxBatchJobs = 500;                      // commit when this many are queued
  std::chrono::milliseconds maxBatchDelay{1000};  // or when the oldest waited this long
  // Runs in the first transaction that commits after writes were lost, beside the
  // writer's own meta facts, so that the loss is recorded once the store can write again
  // (the agent appends a security-log entry). Optional.
  std::function<Status(Database&, const LostWrites&)> recordLoss;
};

struct WriterStats {
  uint64_t commits = 0;
  uint64_t jobsCommitted = 0;
  uint64_t jobsFailed = 0;      // jobs whose own statements failed (rolled back alone)
  uint64_t jobsLost = 0;        // jobs of batches that could not be committed at all
  uint64_t commitsDelayed = 0;  // batches committed only after a failed attempt
  std::string lastError;
};

// Meta keys the writer keeps (read by `tillid-agent status`): the totals of lost jobs and
// delayed commits, and "<time> <error>" of the latest of each.
inline constexpr const char* kMetaLostWrites = "store.lost_writes";
inline constexpr const char* kMetaLastLostWrite = "store.last_lost_write";
inline constexpr const char* kMetaDelayedCommits = "store.delayed_commits";
inline constexpr const char* kMetaLastDelayedCommit = "store.last_delayed_commit";

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
  // The writer's meta facts, in the batch's transaction: last_write, and what was lost or
  // delayed since the last commit.
  Status recordFacts(int attempt, const std::string& retriedError);

  Database db_;
  const WriterOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // new job, flush request or stop
  std::condition_variable flushed_;  // a batch finished
  std::deque<Job> queue_;            // GUARDED_BY(mutex_)
  uint64_t submitted_ = 0;           // GUARDED_BY(mutex_)
  uint64_t finished_ = 0;            // GUARDED_BY(mutex_)
  uint64_t flushWanted_ = 0;         // GUARDED_BY(mutex_): finish through this job count
  bool stopping_ = false;            // GUARDED_BY(mutex_)
  bool exited_ = false;              // GUARDED_BY(mutex_): the thread has returned
  Status lastCommit_;                // GUARDED_BY(mutex_)
  WriterStats stats_;                // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point oldest_;  // GUARDED_BY(mutex_)
  LostWrites unrecordedLoss_;                     // writer thread only: lost since the last commit
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
