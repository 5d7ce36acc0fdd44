// CitrixStore on a real SQLite file through the real writer thread.

#include "agent/citrix/citrix_store.h"

#include <catch2/catch.hpp>

#include "agent/audit/audit_log.h"
#include "agent/report/outbox.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/citrix/citrix_harness.h"

namespace tillid::test {

TEST_CASE("sessions and flags are stored, read back and written to the security log", "[citrix]") {
  TempDir dir;
  const std::string path = dir.file("agent.db");
  {
    auto opened = store::openStore(
        path, {audit::auditSchema(), report::reportSchema(), citrix::citrixSchema()});
    REQUIRE(opened.isOk());
    store::Writer writer(std::move(opened->db), {});
    citrix::CitrixStore sink(writer);
    const citrix::Settings settings = citrixSettings();
    citrix::SessionTracker tracker(settings, sink, nullptr);
    citrix::StreamingDetector detector(settings, tracker, sink);
    const usage::FlowInfo ica = icaFlow("anna");
    for (int64_t s = 0; s < 900; ++s) {
      const int64_t t = (kT0 + s) * 1000000;
      tracker.onTick(t);
      detector.onTick(t);
      for (const bool up : {false, true}) {
        usage::PacketEvent p{t + 1, up ? 2000u : 600000u, up};
        tracker.onPacket(7, ica, p);
        detector.onPacket(7, ica, p);
      }
    }
    detector.finish();
    tracker.finish();
    REQUIRE(writer.flush().isOk());
    CHECK(writer.stats().jobsFailed == 0);
  }

  auto db = store::Database::open(path, store::OpenMode::kReadOnly);
  REQUIRE(db.isOk());
  auto flags = citrix::readFlags(*db);
  REQUIRE(flags.isOk());
  REQUIRE(flags->size() == 1);
  const citrix::Flag& f = flags->front();
  CHECK(f.user == "anna");
  CHECK(f.kind == citrix::FlagKind::kIcaVideo);
  CHECK_FALSE(f.open);
  CHECK(f.avgMbps == Approx(4.8).epsilon(0.01));
  CHECK(f.perMinuteMbps.size() == 15);
  CHECK(f.perMinuteMbps[3] == Approx(4.8).epsilon(0.01));
  CHECK(f.durationSeconds() == Approx(900).margin(2));

  auto sessions = citrix::readSessions(*db);
  REQUIRE(sessions.isOk());
  REQUIRE(sessions->size() == 1);
  CHECK(sessions->front().id == f.sessionId);
  CHECK(sessions->front().endMicros > sessions->front().startMicros);
  CHECK(sessions->front().bytesFromServer == 900u * 600000u);

  auto log = audit::entries(*db);
  REQUIRE(log.isOk());
  std::vector<std::string> actions;
  for (const auto& e : *log) {
    actions.push_back(e.action);
    CHECK(e.details.find(f.id) != std::string::npos);
  }
  CHECK(actions == std::vector<std::string>{"citrix.flag.raised", "citrix.flag.ended"});
  // Queued for upload: the raised and the final state, as flag records.
  auto queued = db->prepare("SELECT kind, payload FROM outbox ORDER BY id");
  REQUIRE(queued.isOk());
  std::vector<std::string> states;
  while (*queued->step()) {
    CHECK(queued->text(0) == "flag");
    CHECK(queued->text(1).find(f.id) != std::string::npos);
    states.push_back(queued->text(1).find("\"state\":\"open\"") != std::string::npos ? "open"
                                                                                     : "closed");
  }
  CHECK(states == std::vector<std::string>{"open", "closed"});

  auto intact = audit::verify(*db);
  REQUIRE(intact.isOk());
  CHECK_FALSE(intact->firstProblem.has_value());
}

}  // namespace tillid::test
