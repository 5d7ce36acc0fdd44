#pragma once
// One candidate stream's per-second rates in a sliding window, with hysteresis and gap
// merging: the state machine behind both kinds of flag. Pure and single-threaded.
//
//   quiet --(window average >= start, one-way, below the bulk cap)--> streaming
//   streaming --(window average < stop, or two-way, for longer than the gap)--> quiet
//
// While streaming it keeps the episode's figures (bytes, per-minute evidence, peak) and
// reports, once, when the episode has lasted the minimum duration and moved the minimum
// volume: that is when a flag is raised.

#include <cstdint>
#include <deque>
#include <vector>

#include "agent/citrix/citrix_settings.h"

namespace tillid::citrix {

// The figures of one episode, in whole seconds of capture time.
struct Episode {
  int64_t startSecond = 0;
  int64_t endSecond = 0;  // exclusive: one past the stream's last second
  uint64_t bytesDown = 0;
  uint64_t bytesUp = 0;
  double peakMbps = 0;                    // highest window average
  std::vector<uint64_t> minuteBytesDown;  // per minute from startSecond (capped)

  double avgMbps() const;
  std::vector<double> perMinuteMbps() const;
};

class StreamWindow {
 public:
  enum class Event { kNone, kQualified, kEnded };

  // REQUIRES: windowSeconds >= 1. evidenceMaxMinutes caps Episode::minuteBytesDown.
  StreamWindow(const StreamThresholds& thresholds, int64_t windowSeconds, int64_t gapMergeSeconds,
               int64_t evidenceMaxMinutes);

  // Adds the next second's bytes. REQUIRES: `second` grows by one each call (the caller
  // passes zeros for silent seconds). kQualified: the episode just reached the minimum
  // duration and volume (at most once per episode). kEnded: a qualified episode just
  // ended; episode() holds its final figures until the next call.
  Event addSecond(int64_t second, uint64_t bytesDown, uint64_t bytesUp);

  // Ends a running episode now (session over, capture over). True if it had qualified.
  bool finish();

  bool streaming() const { return streaming_; }
  bool qualified() const { return qualified_; }
  // Nothing in the window and no episode: the caller may drop this object.
  bool idle() const { return !streaming_ && sumDown_ == 0 && sumUp_ == 0; }
  const Episode& episode() const { return episode_; }

 private:
  struct Second {
    int64_t second;
    uint64_t down;
    uint64_t up;
  };
  static constexpr int64_t kEdgeSeconds = 10;

  bool oneWayAndCapped(double avgMbps) const;
  double edgeMbps(size_t lastIndex) const;
  void addToEpisode(const Second& s);
  void markEnd();
  double secondMbps(uint64_t bytes) const { return static_cast<double>(bytes) * 8.0 / 1e6; }

  const StreamThresholds thresholds_;
  const int64_t windowSeconds_;
  const int64_t gapMergeSeconds_;
  const size_t evidenceMaxMinutes_;

  std::deque<Second> window_;  // the last windowSeconds_ seconds
  uint64_t sumDown_ = 0;
  uint64_t sumUp_ = 0;

  bool streaming_ = false;
  bool qualified_ = false;
  int64_t lastSustainedSecond_ = 0;  // last second the window met the stop condition
  int64_t lastStrongSecond_ = 0;     // last second of the episode at or above stop
  Episode episode_;
  // Figures as of the last second above stop, so a trailing gap is not counted.
  uint64_t bytesDownAtEnd_ = 0;
  uint64_t bytesUpAtEnd_ = 0;
};

}  // namespace tillid::citrix
