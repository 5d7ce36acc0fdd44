// The streaming detector and session tracker, fed PacketEvents as the pipeline feeds them.

#include <catch2/catch.hpp>

#include "tests/support/fakes/fake_process_lister.h"
#include "tests/unit/citrix/citrix_harness.h"

namespace tillid::test {
namespace {

constexpr uint64_t kIca = 1;
constexpr uint64_t kService = 2;

}  // namespace

TEST_CASE("a sustained one-way video stream over ICA is flagged once, with its figures",
          "[citrix]") {
  CitrixHarness h(citrixSettings());
  h.stream(kIca, icaFlow(), 0, 120, 0.2, 0.05);     // office work first
  h.stream(kIca, icaFlow(), 120, 840, 5.0, 0.15);   // 12 minutes of film
  h.stream(kIca, icaFlow(), 840, 1200, 0.2, 0.05);  // back to work
  h.finish(1200);

  REQUIRE(h.sink.raised.size() == 1);
  const citrix::Flag& raised = h.sink.raised[0];
  CHECK(raised.kind == citrix::FlagKind::kIcaVideo);
  CHECK(raised.user == "anna");
  CHECK(raised.open);
  CHECK(secondsAfterT0(raised.startMicros) == Approx(120).margin(2));
  // Raised after the minimum duration (300 s), and no later than a minute after it.
  CHECK(secondsAfterT0(raised.raisedMicros) >= 120 + 300);
  CHECK(secondsAfterT0(raised.raisedMicros) <= 120 + 360);

  REQUIRE(h.sink.finished.size() == 1);
  const citrix::Flag& done = h.sink.finished[0];
  CHECK(done.id == raised.id);
  CHECK_FALSE(done.open);
  CHECK(done.durationSeconds() == Approx(720).margin(5));
  CHECK(done.avgMbps == Approx(5.0).epsilon(0.05));
  CHECK(done.peakMbps == Approx(5.0).epsilon(0.05));
  CHECK(done.perMinuteMbps.size() == 12);
  CHECK(done.perMinuteMbps[5] == Approx(5.0).epsilon(0.02));
  CHECK(static_cast<double>(done.bytes) == Approx(720 * (5.0 + 0.15) * 1e6 / 8).epsilon(0.02));
  REQUIRE(h.sink.started.size() == 1);
  CHECK(done.sessionId == h.sink.started[0].id);
}

TEST_CASE("office work, two-way calls, short clips and bulk copies over ICA are not flagged",
          "[citrix]") {
  CitrixHarness h(citrixSettings());
  SECTION("office bursts: a repaint now and then") {
    for (int64_t s = 0; s < 3600; ++s)
      h.stream(kIca, icaFlow(), s, s + 1, s % 20 == 0 ? 12 : 0.1, 0.03);
  }
  SECTION("an unoptimised video call inside the session: as much up as down") {
    h.stream(kIca, icaFlow(), 0, 1800, 3.0, 2.5);
  }
  SECTION("a clip shorter than the minimum duration") {
    h.stream(kIca, icaFlow(), 0, 240, 6.0, 0.1);
    h.stream(kIca, icaFlow(), 240, 1200, 0.1, 0.02);
  }
  SECTION("a bulk copy far above video rates (client drive mapping)") {
    h.stream(kIca, icaFlow(), 0, 900, 80.0, 0.5);
  }
  h.finish(3600);
  CHECK(h.sink.raised.empty());
  CHECK(h.sink.finished.empty());
}

TEST_CASE("short gaps are merged into one stream, long pauses split it", "[citrix]") {
  CitrixHarness h(citrixSettings());
  h.stream(kIca, icaFlow(), 0, 240, 4.0, 0.1);
  h.stream(kIca, icaFlow(), 240, 300, 0.05, 0.01);  // 60 s of buffering
  h.stream(kIca, icaFlow(), 300, 540, 4.0, 0.1);
  h.stream(kIca, icaFlow(), 540, 1200, 0.05, 0.01);  // a long pause
  h.stream(kIca, icaFlow(), 1200, 1560, 4.0, 0.1);
  h.finish(1700);
  REQUIRE(h.sink.raised.size() == 2);
  REQUIRE(h.sink.finished.size() == 2);
  CHECK(secondsAfterT0(h.sink.finished[0].startMicros) == Approx(0).margin(2));
  CHECK(secondsAfterT0(h.sink.finished[0].endMicros) == Approx(540).margin(2));
  CHECK(secondsAfterT0(h.sink.finished[1].startMicros) == Approx(1200).margin(2));
}

TEST_CASE("streaming services are flagged only during a session", "[citrix]") {
  CitrixHarness h(citrixSettings());
  const auto netflix = serviceFlow("TLS.NetFlix", "Video");
  SECTION("during a session") {
    h.stream(kIca, icaFlow(), 0, 1, 0.1, 0.01);
    h.stream(kService, netflix, 10, 910, 3.0, 0.05);
    h.finish(1000);
    REQUIRE(h.sink.raised.size() == 1);
    CHECK(h.sink.raised[0].kind == citrix::FlagKind::kStreamingService);
    CHECK(h.sink.raised[0].service == "NetFlix");
    CHECK(secondsAfterT0(h.sink.raised[0].raisedMicros) <= 10 + 360);
    REQUIRE(h.sink.finished.size() == 1);
    CHECK(h.sink.finished[0].durationSeconds() == Approx(900).margin(5));
  }
  SECTION("outside every session: usage, never a flag") {
    h.stream(kService, netflix, 10, 910, 3.0, 0.05);
    h.finish(1000);
    CHECK(h.sink.started.empty());
    CHECK(h.sink.raised.empty());
  }
}

TEST_CASE("video meetings are never flagged, by service and by their two-way pattern", "[citrix]") {
  CitrixHarness h(citrixSettings());
  h.stream(kIca, icaFlow(), 0, 1, 0.1, 0.01);
  SECTION("Zoom is in nDPI's Video category, receive-mostly") {
    h.stream(kService, serviceFlow("TLS.Zoom", "Video"), 0, 1800, 3.0, 0.3);
  }
  SECTION("Teams") {
    h.stream(kService, serviceFlow("Teams", "Collaborative"), 0, 1800, 2.5, 2.0);
  }
  SECTION("an unknown meeting service in a video category, two-way") {
    h.stream(kService, serviceFlow("SomeMeeting", "Video"), 0, 1800, 2.0, 1.5);
  }
  h.finish(1800);
  CHECK(h.sink.raised.empty());
}

TEST_CASE("music is flagged only by volume, updates and file sync never", "[citrix]") {
  SECTION("an hour of music stays under the volume") {
    CitrixHarness h(citrixSettings());
    h.stream(kIca, icaFlow(), 0, 1, 0.1, 0.01);
    h.stream(kService, serviceFlow("Spotify", "Music"), 0, 3600, 0.32, 0.01);
    h.finish(3600);
    CHECK(h.sink.raised.empty());
  }
  SECTION("past the volume it is flagged") {
    CitrixHarness h(citrixSettings({"citrix.music.min_megabytes=50"}));
    h.stream(kIca, icaFlow(), 0, 1, 0.1, 0.01);
    h.stream(kService, serviceFlow("Spotify", "Music"), 0, 3600, 0.32, 0.01);
    h.finish(3600);
    REQUIRE(h.sink.raised.size() == 1);
    CHECK(h.sink.raised[0].service == "Spotify");
    CHECK(static_cast<double>(h.sink.raised[0].bytes) >= 50e6);
  }
  SECTION("a big update and a file sync") {
    CitrixHarness h(citrixSettings());
    h.stream(kIca, icaFlow(), 0, 1, 0.1, 0.01);
    h.stream(kService, serviceFlow("HTTP", "SoftwareUpdate"), 0, 1800, 20.0, 0.2);
    h.stream(kService + 1, serviceFlow("Dropbox", "Cloud"), 0, 1800, 8.0, 0.1);
    h.finish(1800);
    CHECK(h.sink.raised.empty());
  }
}

TEST_CASE("server mode judges each user's flows in that user's session", "[citrix]") {
  CitrixHarness h(citrixSettings({"citrix.mode=server"}));
  // On the server the ICA connections are inbound on port 1494.
  auto ica = [](const std::string& user) {
    usage::FlowInfo f = icaFlow(user);
    std::swap(f.localPort, f.remotePort);
    f.direction = usage::Direction::kInbound;
    return f;
  };
  h.stream(10, ica("anna"), 0, 1, 0.01, 0.1);
  h.stream(11, ica("bo"), 0, 1, 0.01, 0.1);
  h.stream(kService, serviceFlow("YouTube", "Media", "bo"), 0, 900, 4.0, 0.1);
  h.stream(kService + 1, serviceFlow("YouTube", "Media", "carl"), 0, 900, 4.0, 0.1);
  h.finish(1000);
  REQUIRE(h.sink.started.size() == 2);
  REQUIRE(h.sink.raised.size() == 1);
  CHECK(h.sink.raised[0].user == "bo");
  for (const auto& s : h.sink.started) {
    if (s.user == "bo") CHECK(h.sink.raised[0].sessionId == s.id);
  }
}

TEST_CASE("a session ends after its last ICA flow plus the grace time", "[citrix]") {
  CitrixHarness h(citrixSettings());
  h.stream(kIca, icaFlow(), 0, 100, 0.3, 0.05);
  h.endFlow(kIca, icaFlow(), 100);
  h.stream(kIca + 1, icaFlow(), 200, 300, 0.3, 0.05);  // a reconnect: the same session
  h.endFlow(kIca + 1, icaFlow(), 300);
  h.at(300 + 181);
  REQUIRE(h.sink.started.size() == 1);
  REQUIRE(h.sink.ended.size() == 1);
  const citrix::Session& s = h.sink.ended[0];
  CHECK(secondsAfterT0(s.startMicros) == Approx(0.5));
  CHECK(secondsAfterT0(s.endMicros) == Approx(300));
  CHECK(s.server == "10.20.0.10");
  CHECK(s.sources == "ica");
  CHECK(s.bytesFromServer == 200 * static_cast<uint64_t>(0.3 * 1e6 / 8));
  CHECK(s.peakMbps == Approx(0.35).epsilon(0.01));
}

TEST_CASE("a running Citrix client process opens a session", "[citrix]") {
  FakeProcessLister processes;
  CitrixHarness h(citrixSettings(), &processes);
  processes.running = {{100, "bash", "anna"}, {101, "wfica", "anna"}};
  h.at(10);
  REQUIRE(h.sink.started.size() == 1);
  CHECK(h.sink.started[0].sources == "process");
  CHECK(h.sink.started[0].user == "anna");
  // Redirected video is judged in that session even before any ICA packet was seen.
  h.stream(kService, serviceFlow("NetFlix", "Video"), 10, 700, 3.0, 0.05);
  CHECK(h.sink.raised.size() == 1);
  processes.running.pop_back();
  h.at(700 + 200);
  CHECK(h.sink.ended.size() == 1);
}

}  // namespace tillid::test
