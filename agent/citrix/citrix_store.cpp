#include "agent/citrix/citrix_store.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <cmath>
#include <sstream>

#include "agent/audit/audit_log.h"
#include "agent/report/outbox.h"
#include "common/canonical_json.h"
#include "common/time.h"
#include "store/store.h"

namespace tillid::citrix {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string timestamp(int64_t micros) {
  return formatTimestamp(fromMicros(micros));
}

int64_t micros(const std::string& text) {
  auto t = parseTimestamp(text);
  return t ? toMicros(*t) : 0;
}

// Rates to 3 decimals: enough for Mbit/s, and stable in JSON.
double rounded(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

std::string evidenceText(const std::vector<double>& perMinute) {
  Array::Ptr items = new Array;
  for (double v : perMinute) items->add(rounded(v));
  std::ostringstream out;
  items->stringify(out);
  return out.str();
}

std::vector<double> parseEvidence(const std::string& text) {
  std::vector<double> out;
  try {
    Poco::JSON::Parser parser;
    const Array::Ptr items = parser.parse(text).extract<Array::Ptr>();
    for (const auto& item : *items) out.push_back(item.convert<double>());
  } catch (const Poco::Exception&) {
    // A damaged evidence column shows as no evidence; the flag itself stays readable.
  }
  return out;
}

}  // namespace

store::SchemaModule citrixSchema() {
  return {"citrix",
          {{"Citrix sessions and heavy-streaming flags",
            "CREATE TABLE citrix_sessions ("
            " id TEXT PRIMARY KEY, user TEXT NOT NULL, server TEXT NOT NULL,"
            " sources TEXT NOT NULL, start TEXT NOT NULL, end TEXT,"
            " bytes_from_server INTEGER NOT NULL, bytes_to_server INTEGER NOT NULL,"
            " peak_mbps REAL NOT NULL);"
            "CREATE INDEX citrix_sessions_start ON citrix_sessions(start);"
            "CREATE TABLE flags ("
            " id TEXT PRIMARY KEY, user TEXT NOT NULL, kind TEXT NOT NULL,"
            " service TEXT NOT NULL, session_id TEXT NOT NULL,"
            " start TEXT NOT NULL, end TEXT NOT NULL, duration_s INTEGER NOT NULL,"
            " avg_mbps REAL NOT NULL, peak_mbps REAL NOT NULL, bytes INTEGER NOT NULL,"
            " evidence TEXT NOT NULL, raised_at TEXT NOT NULL,"
            " state TEXT NOT NULL CHECK (state IN ('open', 'closed')));"
            "CREATE INDEX flags_start ON flags(start);"},
           store::personalTableMigration("citrix_sessions"),
           store::personalTableMigration("flags")}};
}

Object::Ptr flagJson(const Flag& flag) {
  Object::Ptr o = new Object;
  o->set("id", flag.id);
  o->set("user", flag.user);
  o->set("kind", flagKindName(flag.kind));
  o->set("service", flag.service);
  o->set("session", flag.sessionId);
  o->set("start", timestamp(flag.startMicros));
  o->set("end", timestamp(flag.endMicros));
  o->set("duration_s", flag.durationSeconds());
  o->set("avg_mbps", rounded(flag.avgMbps));
  o->set("peak_mbps", rounded(flag.peakMbps));
  o->set("bytes", flag.bytes);
  o->set("raised_at", timestamp(flag.raisedMicros));
  o->set("state", flag.open ? "open" : "closed");
  Array::Ptr evidence = new Array;
  for (double v : flag.perMinuteMbps) evidence->add(rounded(v));
  o->set("per_minute_mbps", evidence);
  return o;
}

Object::Ptr sessionJson(const Session& session) {
  Object::Ptr o = new Object;
  o->set("id", session.id);
  o->set("user", session.user);
  o->set("server", session.server);
  o->set("sources", session.sources);
  o->set("start", timestamp(session.startMicros));
  if (session.endMicros > 0) {
    o->set("end", timestamp(session.endMicros));
  } else {
    o->set("end", Poco::Dynamic::Var());
  }
  o->set("bytes_from_server", session.bytesFromServer);
  o->set("bytes_to_server", session.bytesToServer);
  o->set("peak_mbps", rounded(session.peakMbps));
  return o;
}

void CitrixStore::saveSession(const Session& session) {
  writer_.submit([session](store::Database& db) -> Status {
    auto upsert = db.prepare(
        "INSERT INTO citrix_sessions(id, user, server, sources, start, end,"
        " bytes_from_server, bytes_to_server, peak_mbps) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"
        " ON CONFLICT(id) DO UPDATE SET user=excluded.user, server=excluded.server,"
        " sources=excluded.sources, end=excluded.end,"
        " bytes_from_server=excluded.bytes_from_server,"
        " bytes_to_server=excluded.bytes_to_server, peak_mbps=excluded.peak_mbps");
    if (!upsert) return upsert.status();
    upsert->bind(1, session.id)
        .bind(2, session.user)
        .bind(3, session.server)
        .bind(4, session.sources)
        .bind(5, timestamp(session.startMicros));
    if (session.endMicros > 0) {
      upsert->bind(6, timestamp(session.endMicros));
    } else {
      upsert->bindNull(6);
    }
    return upsert->bind(7, static_cast<int64_t>(session.bytesFromServer))
        .bind(8, static_cast<int64_t>(session.bytesToServer))
        .bind(9, session.peakMbps)
        .run();
  });
}

void CitrixStore::saveFlag(const Flag& flag, const char* auditAction) {
  const std::string action = auditAction;
  writer_.submit([flag, action](store::Database& db) -> Status {
    auto upsert = db.prepare(
        "INSERT INTO flags(id, user, kind, service, session_id, start, end, duration_s,"
        " avg_mbps, peak_mbps, bytes, evidence, raised_at, state)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
        " ON CONFLICT(id) DO UPDATE SET start=excluded.start, end=excluded.end,"
        " duration_s=excluded.duration_s, avg_mbps=excluded.avg_mbps,"
        " peak_mbps=excluded.peak_mbps, bytes=excluded.bytes, evidence=excluded.evidence,"
        " state=excluded.state");
    if (!upsert) return upsert.status();
    TILLID_RETURN_IF_ERROR(upsert->bind(1, flag.id)
                               .bind(2, flag.user)
                               .bind(3, flagKindName(flag.kind))
                               .bind(4, flag.service)
                               .bind(5, flag.sessionId)
                               .bind(6, timestamp(flag.startMicros))
                               .bind(7, timestamp(flag.endMicros))
                               .bind(8, flag.durationSeconds())
                               .bind(9, flag.avgMbps)
                               .bind(10, flag.peakMbps)
                               .bind(11, static_cast<int64_t>(flag.bytes))
                               .bind(12, evidenceText(flag.perMinuteMbps))
                               .bind(13, timestamp(flag.raisedMicros))
                               .bind(14, flag.open ? "open" : "closed")
                               .run());
    const Poco::JSON::Object::Ptr json = flagJson(flag);
    TILLID_RETURN_IF_ERROR(audit::append(db, "agent", action, json).status());
    // Both the raised and the final state go to the collector, most urgent after
    // certificates; the flag's id ties them together.
    return report::Outbox::enqueue(db, report::RecordKind::kFlag,
                                   report::defaultPriority(report::RecordKind::kFlag),
                                   canonicalJson(json));
  });
}

void CitrixStore::sessionStarted(const Session& session) {
  saveSession(session);
}
void CitrixStore::sessionEnded(const Session& session) {
  saveSession(session);
}
void CitrixStore::flagRaised(const Flag& flag) {
  saveFlag(flag, "citrix.flag.raised");
}
void CitrixStore::flagEnded(const Flag& flag) {
  saveFlag(flag, "citrix.flag.ended");
}

Result<std::vector<Flag>> readFlags(store::Database& db) {
  auto select = db.prepare(
      "SELECT id, user, kind, service, session_id, start, end, avg_mbps, peak_mbps, bytes,"
      " evidence, raised_at, state FROM flags ORDER BY start DESC, id");
  if (!select) return select.status();
  std::vector<Flag> out;
  while (true) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    Flag f;
    f.id = select->text(0);
    f.user = select->text(1);
    f.kind = select->text(2) == "ica-video" ? FlagKind::kIcaVideo : FlagKind::kStreamingService;
    f.service = select->text(3);
    f.sessionId = select->text(4);
    f.startMicros = micros(select->text(5));
    f.endMicros = micros(select->text(6));
    f.avgMbps = select->real(7);
    f.peakMbps = select->real(8);
    f.bytes = static_cast<uint64_t>(select->int64(9));
    f.perMinuteMbps = parseEvidence(select->text(10));
    f.raisedMicros = micros(select->text(11));
    f.open = select->text(12) == "open";
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Session>> readSessions(store::Database& db) {
  auto select = db.prepare(
      "SELECT id, user, server, sources, start, end, bytes_from_server, bytes_to_server,"
      " peak_mbps FROM citrix_sessions ORDER BY start DESC, id");
  if (!select) return select.status();
  std::vector<Session> out;
  while (true) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) break;
    Session s;
    s.id = select->text(0);
    s.user = select->text(1);
    s.server = select->text(2);
    s.sources = select->text(3);
    s.startMicros = micros(select->text(4));
    s.endMicros = select->isNull(5) ? 0 : micros(select->text(5));
    s.bytesFromServer = static_cast<uint64_t>(select->int64(6));
    s.bytesToServer = static_cast<uint64_t>(select->int64(7));
    s.peakMbps = select->real(8);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace tillid::citrix
