#pragma once
// Where sessions and flags go: the "citrix" schema module (tables citrix_sessions and
// flags), a CitrixSink that writes through the store's writer thread and puts every flag
// in the security log, and the readers behind `tillid-agent flags` and `sessions`.

#include <Poco/JSON/Object.h>

#include <vector>

#include "agent/citrix/citrix_records.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/writer.h"

namespace tillid::citrix {

store::SchemaModule citrixSchema();

// The JSON form of a flag or session, as printed by the commands, written to the security
// log and uploaded. Times are UTC ISO timestamps; rates in Mbit/s.
Poco::JSON::Object::Ptr flagJson(const Flag& flag);
Poco::JSON::Object::Ptr sessionJson(const Session& session);

// Writes each event as one writer job (never blocks the packet thread). Raising and ending
// a flag each append a security-log entry ("citrix.flag.raised", "citrix.flag.ended") and
// queue the flag for upload (report::Outbox, kind "flag") in the same transaction.
class CitrixStore final : public CitrixSink {
 public:
  // `writer` must outlive this object.
  explicit CitrixStore(store::Writer& writer) : writer_(writer) {}

  void sessionStarted(const Session& session) override;
  void sessionEnded(const Session& session) override;
  void flagRaised(const Flag& flag) override;
  void flagEnded(const Flag& flag) override;

 private:
  void saveSession(const Session& session);
  void saveFlag(const Flag& flag, const char* auditAction);

  store::Writer& writer_;
};

// Newest first.
Result<std::vector<Flag>> readFlags(store::Database& db);
Result<std::vector<Session>> readSessions(store::Database& db);

}  // namespace tillid::citrix
