#include "agent/service/health_sampler.h"

#include "common/time.h"
#include "platform/process_stats.h"
#include "store/store.h"

namespace tillid {

store::SchemaModule healthSchema() {
  return {"health",
          {{"samples of the agent's own resource use",
            "CREATE TABLE health_samples ("
            " id INTEGER PRIMARY KEY, time TEXT NOT NULL,"
            " rss_bytes INTEGER NOT NULL, peak_rss_bytes INTEGER NOT NULL,"
            " cpu_us INTEGER NOT NULL)"},
           store::personalTableMigration("health_samples")}};
}

HealthSampler::HealthSampler(store::Writer& writer, std::chrono::milliseconds interval,
                             int64_t keep)
    : writer_(writer), interval_(interval), keep_(keep) {
  if (interval_.count() > 0) thread_ = std::thread([this] { loop(); });
}

HealthSampler::~HealthSampler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthSampler::sample() {
  const platform::ProcessStats stats = platform::selfProcessStats();
  const std::string now = formatTimestamp(WallClock::now());
  const int64_t keep = keep_;
  writer_.submit([stats, now, keep](store::Database& db) -> Status {
    auto insert = db.prepare(
        "INSERT INTO health_samples(time, rss_bytes, peak_rss_bytes, cpu_us) "
        "VALUES(?1, ?2, ?3, ?4)");
    if (!insert) return insert.status();
    TILLID_RETURN_IF_ERROR(insert->bind(1, now)
                               .bind(2, stats.residentBytes)
                               .bind(3, stats.peakResidentBytes)
                               .bind(4, stats.cpuMicros)
                               .run());
    auto prune = db.prepare("DELETE FROM health_samples WHERE id <= ?1");
    if (!prune) return prune.status();
    return prune->bind(1, db.lastInsertRowId() - keep).run();
  });
}

void HealthSampler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    sample();
    lock.lock();
    wake_.wait_for(lock, interval_, [&] { return stopping_; });
  }
}

}  // namespace tillid
