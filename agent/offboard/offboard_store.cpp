#include "agent/offboard/offboard_store.h"

#include "agent/report/outbox.h"
#include "store/store.h"

namespace tillid::offboard {

store::SchemaModule offboardSchema() {
  return {"offboard",
          {{"offboarding run and steps",
            "CREATE TABLE offboard_run ("
            " id INTEGER PRIMARY KEY CHECK (id = 1), profile TEXT NOT NULL,"
            " device_id TEXT NOT NULL, case_ref TEXT NOT NULL, signer TEXT NOT NULL,"
            " key_id TEXT NOT NULL, nonce TEXT NOT NULL, order_json TEXT NOT NULL,"
            " accepted_at TEXT NOT NULL, pattern_key TEXT NOT NULL, sample_seed INTEGER NOT NULL,"
            " state TEXT NOT NULL, finished_at TEXT NOT NULL DEFAULT '',"
            " certificate TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE offboard_steps ("
            " idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL,"
            " method TEXT NOT NULL, param TEXT NOT NULL, state TEXT NOT NULL,"
            " progress_done INTEGER NOT NULL DEFAULT 0, progress_total INTEGER NOT NULL DEFAULT 0,"
            " bytes_per_second REAL NOT NULL DEFAULT 0, started_at TEXT NOT NULL DEFAULT '',"
            " finished_at TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '{}',"
            " verification TEXT NOT NULL DEFAULT '{}', error TEXT NOT NULL DEFAULT '')"},
           {"offboarding notice period",
            "ALTER TABLE offboard_run ADD COLUMN reason TEXT NOT NULL DEFAULT 'departure';"
            "ALTER TABLE offboard_run ADD COLUMN notice_seconds INTEGER NOT NULL DEFAULT 0;"
            "ALTER TABLE offboard_run ADD COLUMN notice_ends_at TEXT NOT NULL DEFAULT ''"}}};
}

std::vector<std::string> personalRowSources() {
  std::vector<std::string> sources(kPersonalTables.begin(), kPersonalTables.end());
  sources.push_back(std::string("outbox WHERE kind NOT IN ") + report::kKindsKeptAfterReset);
  return sources;
}

Status createRun(store::Database& db, const RunRecord& run, const std::vector<PlanStep>& plan) {
  auto existing = db.queryText("SELECT state FROM offboard_run WHERE id = 1");
  if (!existing) return existing.status();
  if (existing->has_value()) {
    return Status::error(ErrorCode::kConflict,
                         "this device already has an offboarding run (" + **existing + ")");
  }
  auto insert = db.prepare(
      "INSERT INTO offboard_run (id, profile, device_id, case_ref, signer, key_id, nonce,"
      " order_json, accepted_at, pattern_key, sample_seed, state, reason, notice_seconds,"
      " notice_ends_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.status();
  insert->bind(1, profileName(run.profile))
      .bind(2, run.deviceId)
      .bind(3, run.caseRef)
      .bind(4, run.signer)
      .bind(5, run.keyId)
      .bind(6, run.nonce)
      .bind(7, run.orderJson)
      .bind(8, run.acceptedAt)
      .bind(9, run.patternKeyHex)
      .bind(10, static_cast<int64_t>(run.sampleSeed))
      .bind(11, run.state)
      .bind(12, run.reason)
      .bind(13, run.noticeSeconds)
      .bind(14, run.noticeEndsAt);
  TILLID_RETURN_IF_ERROR(insert->run());
  auto step = db.prepare(
      "INSERT INTO offboard_steps (idx, kind, target, method, param, state)"
      " VALUES (?, ?, ?, ?, ?, 'pending')");
  if (!step) return step.status();
  for (size_t i = 0; i < plan.size(); ++i) {
    step->reset();
    step->bind(1, static_cast<int64_t>(i))
        .bind(2, stepKindName(plan[i].kind))
        .bind(3, plan[i].target)
        .bind(4, plan[i].method)
        .bind(5, plan[i].param);
    TILLID_RETURN_IF_ERROR(step->run());
  }
  return store::closePersonalRecords(db, run.acceptedAt);
}

Result<std::optional<RunRecord>> loadRun(store::Database& db) {
  auto query = db.prepare(
      "SELECT profile, device_id, case_ref, signer, key_id, nonce, order_json, accepted_at,"
      " pattern_key, sample_seed, state, finished_at, certificate, reason, notice_seconds,"
      " notice_ends_at FROM offboard_run WHERE id = 1");
  if (!query) return query.status();
  auto row = query->step();
  if (!row) return row.status();
  if (!*row) return std::optional<RunRecord>();
  RunRecord run;
  auto profile = parseProfile(query->text(0));
  if (!profile) return profile.status();
  run.profile = *profile;
  run.deviceId = query->text(1);
  run.caseRef = query->text(2);
  run.signer = query->text(3);
  run.keyId = query->text(4);
  run.nonce = query->text(5);
  run.orderJson = query->text(6);
  run.acceptedAt = query->text(7);
  run.patternKeyHex = query->text(8);
  run.sampleSeed = static_cast<uint64_t>(query->int64(9));
  run.state = query->text(10);
  run.finishedAt = query->text(11);
  run.certificate = query->text(12);
  run.reason = query->text(13);
  run.noticeSeconds = query->int64(14);
  run.noticeEndsAt = query->text(15);
  return std::optional<RunRecord>(run);
}

Result<std::vector<StepRecord>> loadSteps(store::Database& db) {
  auto query = db.prepare(
      "SELECT idx, kind, target, method, param, state, progress_done, progress_total,"
      " bytes_per_second, started_at, finished_at, result, verification, error"
      " FROM offboard_steps ORDER BY idx");
  if (!query) return query.status();
  std::vector<StepRecord> steps;
  while (true) {
    auto row = query->step();
    if (!row) return row.status();
    if (!*row) break;
    StepRecord s;
    s.index = static_cast<int>(query->int64(0));
    auto kind = parseStepKind(query->text(1));
    if (!kind) return kind.status();
    s.step = {*kind, query->text(2), query->text(3), query->text(4)};
    s.state = query->text(5);
    s.progressDone = query->int64(6);
    s.progressTotal = query->int64(7);
    s.bytesPerSecond = query->real(8);
    s.startedAt = query->text(9);
    s.finishedAt = query->text(10);
    s.resultJson = query->text(11);
    s.verificationJson = query->text(12);
    s.error = query->text(13);
    steps.push_back(std::move(s));
  }
  return steps;
}

Status saveStep(store::Database& db, const StepRecord& s) {
  auto update = db.prepare(
      "UPDATE offboard_steps SET state = ?, progress_done = ?, progress_total = ?,"
      " bytes_per_second = ?, started_at = ?, finished_at = ?, result = ?, verification = ?,"
      " error = ? WHERE idx = ?");
  if (!update) return update.status();
  update->bind(1, s.state)
      .bind(2, s.progressDone)
      .bind(3, s.progressTotal)
      .bind(4, s.bytesPerSecond)
      .bind(5, s.startedAt)
      .bind(6, s.finishedAt)
      .bind(7, s.resultJson)
      .bind(8, s.verificationJson)
      .bind(9, s.error)
      .bind(10, static_cast<int64_t>(s.index));
  return update->run();
}

Status saveRunOutcome(store::Database& db, const RunRecord& run) {
  auto update = db.prepare(
      "UPDATE offboard_run SET state = ?, finished_at = ?, certificate = ? WHERE id = 1");
  if (!update) return update.status();
  update->bind(1, run.state).bind(2, run.finishedAt).bind(3, run.certificate);
  return update->run();
}

}  // namespace tillid::offboard
