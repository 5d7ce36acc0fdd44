#include "collector/postgres_listener.h"

#include <libpq-fe.h>

#include <set>

#include "collector/postgres_connection.h"
#include "common/logging.h"

namespace tillid::collector::pg {

Listener::Listener(std::string conninfo, std::string channel,
                   std::function<void(const std::string&)> onNotify,
                   std::chrono::milliseconds interval)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      onNotify_(std::move(onNotify)),
      interval_(interval),
      thread_([this] { run(); }) {}

Listener::~Listener() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

bool Listener::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !stop_.wait_for(lock, d, [&] { return stopping_; });
}

void Listener::run() {
  while (true) {
    auto connection = connect(conninfo_);
    if (connection) {
      Session session(*connection);
      char* quoted = PQescapeIdentifier(*connection, channel_.c_str(), channel_.size());
      const Status listening = session.exec(std::string("LISTEN ") + quoted).status();
      PQfreemem(quoted);
      if (listening) {
        onNotify_("");  // whatever was sent while we were not listening
        while (PQconsumeInput(*connection) == 1) {
          std::set<std::string> payloads;
          while (PGnotify* n = PQnotifies(*connection)) {
            payloads.insert(n->extra);
            PQfreemem(n);
          }
          for (const auto& payload : payloads) onNotify_(payload);
          if (!pause(interval_)) break;
        }
      }
      if (PQstatus(*connection) != CONNECTION_OK) {
        logger("collector")
            .warning("PostgreSQL LISTEN connection lost: " +
                     std::string(PQerrorMessage(*connection)));
      }
      disconnect(*connection);
    } else {
      logger("collector").warning(connection.status().message());
    }
    if (!pause(std::chrono::seconds(1))) return;
  }
}

}  // namespace tillid::collector::pg
