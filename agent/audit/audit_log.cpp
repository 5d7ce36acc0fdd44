#include "agent/audit/audit_log.h"

#include <limits>
#include <set>

#include "common/canonical_json.h"
#include "common/digest.h"

namespace tillid::audit {

const char* const kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

store::SchemaModule auditSchema() {
  return {"audit",
          {{"hash-chained security log",
            // No UNIQUE on seq: verification must be able to see a duplicated sequence
            // number (an inserted entry) rather than have SQLite hide it.
            "CREATE TABLE audit_log ("
            " id INTEGER PRIMARY KEY,"
            " seq INTEGER NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL,"
            " action TEXT NOT NULL, details TEXT NOT NULL,"
            " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"},
           {"retention: the checkpoint the kept chain starts from, acknowledged anchors",
            "CREATE TABLE audit_checkpoint ("
            " id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);"
            "CREATE TABLE audit_anchors_acknowledged ("
            " seq INTEGER PRIMARY KEY, hash TEXT NOT NULL);"}}};
}

std::string computeHash(const Entry& entry) {
  Poco::JSON::Object record;
  record.set("seq", entry.seq);
  record.set("time", entry.time);
  record.set("actor", entry.actor);
  record.set("action", entry.action);
  // Details are hashed as stored text: any edit to them, even whitespace, breaks the hash.
  record.set("details", entry.details);
  return sha256Hex(entry.prevHash + '\n' +
                   canonicalJson(Poco::JSON::Object::Ptr(new Poco::JSON::Object(record))));
}

namespace {

Result<std::optional<ChainHead>> firstHead(store::Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<ChainHead>();
  return std::optional<ChainHead>(ChainHead{stmt->int64(0), stmt->text(1)});
}

}  // namespace

Result<std::optional<ChainHead>> head(store::Database& db) {
  auto last = firstHead(db, "SELECT seq, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (!last || last->has_value()) return last;
  return checkpoint(db);
}

Result<std::optional<ChainHead>> checkpoint(store::Database& db) {
  // A database written before retention existed has no checkpoint table (read-only
  // commands open it without migrating): nothing was deleted from it.
  auto exists =
      db.queryText("SELECT name FROM sqlite_master WHERE type='table' AND name='audit_checkpoint'");
  if (!exists) return exists.status();
  if (!exists->has_value()) return std::optional<ChainHead>();
  return firstHead(db, "SELECT seq, hash FROM audit_checkpoint WHERE id = 1");
}

Status recordAcknowledgedAnchor(store::Database& db, const ChainHead& anchor) {
  auto insert = db.prepare(
      "INSERT INTO audit_anchors_acknowledged(seq, hash) VALUES(?1, ?2)"
      " ON CONFLICT(seq) DO UPDATE SET hash = excluded.hash");
  if (!insert) return insert.status();
  return insert->bind(1, anchor.seq).bind(2, anchor.hash).run();
}

Result<Entry> append(store::Database& db, const std::string& actor, const std::string& action,
                     const Poco::JSON::Object::Ptr& details, TimePoint now) {
  auto last = head(db);
  if (!last) return last.status();
  Entry entry;
  entry.seq = last->has_value() ? (*last)->seq + 1 : 1;
  entry.time = formatTimestamp(now);
  entry.actor = actor;
  entry.action = action;
  entry.details =
      canonicalJson(details ? details : Poco::JSON::Object::Ptr(new Poco::JSON::Object));
  entry.prevHash = last->has_value() ? (*last)->hash : kGenesisHash;
  entry.hash = computeHash(entry);
  auto stmt = db.prepare(
      "INSERT INTO audit_log(seq, time, actor, action, details, prev_hash, hash) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!stmt) return stmt.status();
  TILLID_RETURN_IF_ERROR(stmt->bind(1, entry.seq)
                             .bind(2, entry.time)
                             .bind(3, entry.actor)
                             .bind(4, entry.action)
                             .bind(5, entry.details)
                             .bind(6, entry.prevHash)
                             .bind(7, entry.hash)
                             .run());
  return entry;
}

Status recordLostWrites(store::Database& db, const store::LostWrites& lost) {
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  details->set("count", static_cast<int64_t>(lost.count));
  details->set("first", lost.first);
  details->set("last", lost.last);
  details->set("error", lost.error);
  return append(db, "agent", "store.writes_lost", details).status();
}

Result<std::vector<Entry>> entries(store::Database& db, int64_t afterSeq, int64_t limit) {
  auto stmt = db.prepare(
      "SELECT seq, time, actor, action, details, prev_hash, hash FROM audit_log "
      "WHERE seq > ?1 ORDER BY id LIMIT ?2");
  if (!stmt) return stmt.status();
  stmt->bind(1, afterSeq).bind(2, limit);
  std::vector<Entry> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    out.push_back({stmt->int64(0), stmt->text(1), stmt->text(2), stmt->text(3), stmt->text(4),
                   stmt->text(5), stmt->text(6)});
  }
  return out;
}

const char* tamperName(Tamper kind) {
  switch (kind) {
    case Tamper::kEdited:
      return "edited";
    case Tamper::kDeleted:
      return "deleted";
    case Tamper::kInserted:
      return "inserted";
    case Tamper::kReordered:
      return "reordered";
  }
  return "unknown";
}

namespace {

Finding finding(Tamper kind, int64_t seq, const std::string& what) {
  return {kind, seq, "entry " + std::to_string(seq) + " " + tamperName(kind) + ": " + what};
}

// Classifies the first entry whose link to its predecessor is broken. `seen` holds the
// sequence numbers already walked; `all` every sequence number in the table.
Finding classifyBreak(const Entry& e, int64_t expectedSeq, const std::set<int64_t>& seen,
                      const std::multiset<int64_t>& all) {
  if (e.seq > expectedSeq) {
    if (all.count(expectedSeq) > 0) {
      return finding(Tamper::kReordered, e.seq,
                     "it appears before entry " + std::to_string(expectedSeq));
    }
    return finding(Tamper::kDeleted, expectedSeq,
                   "entries " + std::to_string(expectedSeq) + " to " + std::to_string(e.seq - 1) +
                       " are missing before entry " + std::to_string(e.seq));
  }
  if (e.seq < expectedSeq && seen.count(e.seq) > 0) {
    if (all.count(e.seq) > 1) {
      return finding(Tamper::kInserted, e.seq,
                     "two entries claim sequence number " + std::to_string(e.seq));
    }
  }
  if (e.seq < expectedSeq) {
    return finding(Tamper::kReordered, e.seq,
                   "it appears after entry " + std::to_string(expectedSeq - 1));
  }
  // Right number, wrong predecessor: the entry before it was put there afterwards.
  return finding(Tamper::kInserted, e.seq - 1,
                 "entry " + std::to_string(e.seq) + " was not chained to it");
}

// Whether an entry in `kept` is the retention entry that made `checkpoint`.
bool recordsCheckpoint(const std::vector<Entry>& kept, const ChainHead& checkpoint) {
  for (const auto& e : kept) {
    if (e.action != kRetentionAction) continue;
    auto details = parseJsonObject(e.details);
    if (details && (*details)->optValue<int64_t>("checkpoint_seq", 0) == checkpoint.seq &&
        (*details)->optValue<std::string>("checkpoint_hash", "") == checkpoint.hash) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Verification> verify(store::Database& db) {
  auto start = checkpoint(db);
  if (!start) return start.status();
  auto all = entries(db);
  if (!all) return all.status();
  std::multiset<int64_t> allSeqs;
  for (const auto& e : *all) allSeqs.insert(e.seq);

  Verification result;
  result.checkpoint = *start;
  result.head = *start;
  std::set<int64_t> seen;
  int64_t expectedSeq = *start ? (*start)->seq + 1 : 1;
  std::string expectedPrev = *start ? (*start)->hash : kGenesisHash;
  for (const auto& e : *all) {
    result.entries++;
    if (computeHash(e) != e.hash) {
      result.firstProblem =
          finding(Tamper::kEdited, e.seq, "its content no longer matches its hash");
      break;
    }
    if (e.seq != expectedSeq || e.prevHash != expectedPrev) {
      result.firstProblem = classifyBreak(e, expectedSeq, seen, allSeqs);
      break;
    }
    seen.insert(e.seq);
    expectedSeq = e.seq + 1;
    expectedPrev = e.hash;
    result.head = ChainHead{e.seq, e.hash};
  }
  // A checkpoint is only legitimate with the kept entry that says retention made it.
  if (!result.firstProblem && *start && !recordsCheckpoint(*all, **start)) {
    result.firstProblem =
        finding(Tamper::kDeleted, (*start)->seq,
                "entries up to it are gone, but no " + std::string(kRetentionAction) +
                    " entry names checkpoint " + std::to_string((*start)->seq));
  }
  return result;
}

Result<Truncation> deleteAnchoredBefore(store::Database& db, TimePoint cutoff) {
  auto verification = verify(db);
  if (!verification) return verification.status();
  if (verification->firstProblem) {
    return Status::error(ErrorCode::kConflict, "the security log does not verify (" +
                                                   verification->firstProblem->message +
                                                   "): nothing deleted");
  }
  const std::string before = formatTimestamp(cutoff);
  // Only a prefix of the chain goes: up to the first entry not yet expired (a clock set
  // back can make a later entry older), and there to the newest acknowledged anchor that
  // is still the chain's entry at that position.
  auto firstKept = db.prepare("SELECT MIN(seq) FROM audit_log WHERE time >= ?1");
  if (!firstKept) return firstKept.status();
  firstKept->bind(1, before);
  auto row = firstKept->step();
  if (!row) return row.status();
  const int64_t limit =
      firstKept->isNull(0) ? std::numeric_limits<int64_t>::max() : firstKept->int64(0);
  firstKept->reset();
  auto anchor = db.prepare(
      "SELECT a.seq, a.hash FROM audit_anchors_acknowledged a"
      " JOIN audit_log l ON l.seq = a.seq AND l.hash = a.hash"
      " WHERE a.seq < ?1 ORDER BY a.seq DESC LIMIT 1");
  if (!anchor) return anchor.status();
  anchor->bind(1, limit);
  auto found = anchor->step();
  if (!found) return found.status();
  Truncation outcome;
  if (*found) {
    const ChainHead cut{anchor->int64(0), anchor->text(1)};
    anchor->reset();
    auto remove = db.prepare("DELETE FROM audit_log WHERE seq <= ?1");
    if (!remove) return remove.status();
    TILLID_RETURN_IF_ERROR(remove->bind(1, cut.seq).run());
    outcome.deleted = db.changes();
    auto save = db.prepare(
        "INSERT INTO audit_checkpoint(id, seq, hash) VALUES(1, ?1, ?2)"
        " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
    if (!save) return save.status();
    TILLID_RETURN_IF_ERROR(save->bind(1, cut.seq).bind(2, cut.hash).run());
    auto forget = db.prepare("DELETE FROM audit_anchors_acknowledged WHERE seq <= ?1");
    if (!forget) return forget.status();
    TILLID_RETURN_IF_ERROR(forget->bind(1, cut.seq).run());
    outcome.checkpoint = cut;
  }
  auto kept = db.prepare("SELECT COUNT(*) FROM audit_log WHERE time < ?1");
  if (!kept) return kept.status();
  kept->bind(1, before);
  auto counted = kept->step();
  if (!counted) return counted.status();
  outcome.keptUnanchored = kept->int64(0);
  return outcome;
}

}  // namespace tillid::audit
