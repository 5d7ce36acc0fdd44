#include "agent/citrix/stream_window.h"

#include <algorithm>

namespace tillid::citrix {

double Episode::avgMbps() const {
  const int64_t seconds = std::max<int64_t>(1, endSecond - startSecond);
  return static_cast<double>(bytesDown) * 8.0 / 1e6 / static_cast<double>(seconds);
}

std::vector<double> Episode::perMinuteMbps() const {
  std::vector<double> out;
  const int64_t seconds = endSecond - startSecond;
  for (size_t i = 0; i < minuteBytesDown.size(); ++i) {
    // The last minute may be partial: average over the seconds it really covers.
    const int64_t covered = std::clamp<int64_t>(seconds - static_cast<int64_t>(i) * 60, 1, 60);
    out.push_back(static_cast<double>(minuteBytesDown[i]) * 8.0 / 1e6 /
                  static_cast<double>(covered));
  }
  return out;
}

StreamWindow::StreamWindow(const StreamThresholds& thresholds, int64_t windowSeconds,
                           int64_t gapMergeSeconds, int64_t evidenceMaxMinutes)
    : thresholds_(thresholds),
      windowSeconds_(std::max<int64_t>(1, windowSeconds)),
      gapMergeSeconds_(gapMergeSeconds),
      evidenceMaxMinutes_(static_cast<size_t>(evidenceMaxMinutes)) {}

bool StreamWindow::oneWayAndCapped(double avgMbps) const {
  const double down = static_cast<double>(sumDown_);
  const double up = static_cast<double>(sumUp_);
  if (up > thresholds_.maxUpRatio * down) return false;
  return thresholds_.maxMbps <= 0 || avgMbps <= thresholds_.maxMbps;
}

double StreamWindow::edgeMbps(size_t lastIndex) const {
  // The average over the kEdgeSeconds ending at window_[lastIndex]: short enough to place
  // a stream's start and end to within seconds, long enough that a single burst of office
  // work next to the stream does not move them.
  const size_t n = std::min<size_t>(kEdgeSeconds, lastIndex + 1);
  uint64_t sum = 0;
  for (size_t i = lastIndex + 1 - n; i <= lastIndex; ++i) sum += window_[i].down;
  return secondMbps(sum) / static_cast<double>(std::min<int64_t>(kEdgeSeconds, windowSeconds_));
}

void StreamWindow::addToEpisode(const Second& s) {
  episode_.bytesDown += s.down;
  episode_.bytesUp += s.up;
  const size_t minute = static_cast<size_t>((s.second - episode_.startSecond) / 60);
  if (minute < evidenceMaxMinutes_) {
    if (episode_.minuteBytesDown.size() <= minute) episode_.minuteBytesDown.resize(minute + 1);
    episode_.minuteBytesDown[minute] += s.down;
  }
  if (secondMbps(s.down) >= thresholds_.stopMbps && s.down > 0) lastStrongSecond_ = s.second;
}

void StreamWindow::markEnd() {
  // While the recent average is at or above the stop rate, the stream reaches its last
  // second at or above that rate.
  if (edgeMbps(window_.size() - 1) >= thresholds_.stopMbps) {
    episode_.endSecond = std::max(episode_.endSecond, lastStrongSecond_ + 1);
    bytesDownAtEnd_ = episode_.bytesDown;
    bytesUpAtEnd_ = episode_.bytesUp;
  }
}

StreamWindow::Event StreamWindow::addSecond(int64_t second, uint64_t bytesDown, uint64_t bytesUp) {
  const Second now{second, bytesDown, bytesUp};
  window_.push_back(now);
  sumDown_ += bytesDown;
  sumUp_ += bytesUp;
  while (static_cast<int64_t>(window_.size()) > windowSeconds_) {
    sumDown_ -= window_.front().down;
    sumUp_ -= window_.front().up;
    window_.pop_front();
  }
  const double avg =
      static_cast<double>(sumDown_) * 8.0 / 1e6 / static_cast<double>(windowSeconds_);

  if (!streaming_) {
    if (avg < thresholds_.startMbps || !oneWayAndCapped(avg)) return Event::kNone;
    // The stream began with the first second at or above the stop rate in the earliest
    // stretch of the window whose short average reaches that rate.
    streaming_ = true;
    qualified_ = false;
    episode_ = Episode{};
    bytesDownAtEnd_ = bytesUpAtEnd_ = 0;
    size_t first = window_.size() - 1;
    for (size_t i = 0; i < window_.size(); ++i) {
      if (edgeMbps(i) >= thresholds_.stopMbps) {
        first = i + 1 - std::min<size_t>(kEdgeSeconds, i + 1);
        break;
      }
    }
    while (first + 1 < window_.size() && secondMbps(window_[first].down) < thresholds_.stopMbps) {
      ++first;
    }
    episode_.startSecond = window_[first].second;
    episode_.endSecond = episode_.startSecond + 1;
    lastStrongSecond_ = episode_.startSecond;
    for (size_t i = first; i < window_.size(); ++i) addToEpisode(window_[i]);
    markEnd();
    lastSustainedSecond_ = second;
  } else {
    addToEpisode(now);
    markEnd();
    if (avg >= thresholds_.stopMbps && oneWayAndCapped(avg)) {
      lastSustainedSecond_ = second;
    } else if (second - lastSustainedSecond_ > gapMergeSeconds_) {
      return finish() ? Event::kEnded : Event::kNone;
    }
  }
  episode_.peakMbps = std::max(episode_.peakMbps, avg);

  const bool longEnough =
      episode_.endSecond - episode_.startSecond >= thresholds_.minDurationSeconds;
  const bool bigEnough =
      static_cast<double>(episode_.bytesDown + episode_.bytesUp) >= thresholds_.minMegabytes * 1e6;
  if (!qualified_ && longEnough && bigEnough) {
    qualified_ = true;
    return Event::kQualified;
  }
  return Event::kNone;
}

bool StreamWindow::finish() {
  if (!streaming_) return false;
  streaming_ = false;
  // Drop what came after the last second above stop (the trailing gap).
  episode_.bytesDown = bytesDownAtEnd_;
  episode_.bytesUp = bytesUpAtEnd_;
  const size_t minutes = static_cast<size_t>((episode_.endSecond - episode_.startSecond + 59) / 60);
  if (episode_.minuteBytesDown.size() > minutes) episode_.minuteBytesDown.resize(minutes);
  return qualified_;
}

}  // namespace tillid::citrix
