#pragma once
// The security log: an append-only hash chain in the store. Each entry's hash is
// SHA-256 over the previous entry's hash and the entry's canonical JSON, so editing,
// deleting, inserting or reordering entries breaks the chain at that point. A rewrite
// of the whole chain is caught by comparing with heads anchored at the collector.
// Retention deletes a prefix of the chain only up to an anchor the collector acknowledged
// and records that entry as the checkpoint the kept chain starts from
// (docs/security-log.md).

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/writer.h"

namespace tillid::audit {

struct Entry {
  int64_t seq = 0;
  std::string time;
  std::string actor;    // "agent", "admin:<name>", "collector", ...
  std::string action;   // dotted verb, e.g. "agent.start", "config.changed"
  std::string details;  // canonical JSON object
  std::string prevHash;
  std::string hash;
};

struct ChainHead {
  int64_t seq = 0;
  std::string hash;
};

// The hash of the empty chain: what the first entry's prevHash holds.
extern const char* const kGenesisHash;
// The entry that records a deletion under retention; its details name the checkpoint
// ("checkpoint_seq", "checkpoint_hash"). verify() requires one for the current checkpoint.
inline constexpr const char* kRetentionAction = "security_log.retention";

store::SchemaModule auditSchema();

// The hash an entry must carry given its fields and prevHash.
std::string computeHash(const Entry& entry);

// Appends an entry in the caller's transaction (the writer thread's batch).
Result<Entry> append(store::Database& db, const std::string& actor, const std::string& action,
                     const Poco::JSON::Object::Ptr& details, TimePoint now = WallClock::now());

// The newest entry; with every entry deleted under retention, the checkpoint.
Result<std::optional<ChainHead>> head(store::Database& db);

// The last entry deleted under retention: the kept chain's first entry links to its hash.
// Empty while nothing was deleted.
Result<std::optional<ChainHead>> checkpoint(store::Database& db);

// The collector stored the anchor (seq, hash) of this chain: entries up to it may go.
Status recordAcknowledgedAnchor(store::Database& db, const ChainHead& anchor);

struct Truncation {
  int64_t deleted = 0;
  int64_t keptUnanchored = 0;           // entries from before the cutoff after the new checkpoint
  std::optional<ChainHead> checkpoint;  // set when entries were deleted
};

// Deletes the entries from before `cutoff` up to and including the newest acknowledged
// anchor among them, and makes that anchor the checkpoint. Older entries after it stay
// (counted as kept) until a later anchor covers them. Refuses when the chain does not
// verify, so that retention never removes the evidence of tampering.
// REQUIRES: called inside a transaction that also logs the outcome.
Result<Truncation> deleteAnchoredBefore(store::Database& db, TimePoint cutoff);

// Appends "store.writes_lost" {count, first, last, error}: writes the store could not
// commit. Meant as the writer's WriterOptions::recordLoss.
Status recordLostWrites(store::Database& db, const store::LostWrites& lost);

enum class Tamper { kEdited, kDeleted, kInserted, kReordered };
const char* tamperName(Tamper kind);

struct Finding {
  Tamper kind;
  int64_t seq;          // the entry where the chain first breaks
  std::string message;  // a sentence for the operator
};

struct Verification {
  int64_t entries = 0;
  std::optional<ChainHead> checkpoint;  // where the walk started, when retention deleted entries
  std::optional<ChainHead> head;
  std::optional<Finding> firstProblem;  // empty when the chain is intact
};

// Walks the chain in append order from the checkpoint (or the genesis hash) and reports the
// first entry that breaks it; a checkpoint no kept kRetentionAction entry names is a
// deletion.
Result<Verification> verify(store::Database& db);

// Entries in append order, for display and export.
Result<std::vector<Entry>> entries(store::Database& db, int64_t afterSeq = 0, int64_t limit = -1);

}  // namespace tillid::audit
