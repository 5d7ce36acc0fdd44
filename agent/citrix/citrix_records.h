#pragma once
// What the Citrix monitor produces: sessions and streaming flags, and the sink that
// receives them (the store in the agent, a recorder in tests). Plain data.

#include <cstdint>
#include <string>
#include <vector>

namespace tillid::citrix {

// A period in which a user works in Citrix: from the first sign of it (an ICA/CGP flow, a
// TLS flow to a gateway, a running client process) until the last sign plus a grace time.
struct Session {
  std::string id;       // random, unique
  std::string user;     // the session's user, or "unknown"
  std::string server;   // the Citrix server or gateway (destination name or address)
  std::string sources;  // how it was seen, e.g. "ica,process"
  int64_t startMicros = 0;
  int64_t endMicros = 0;         // 0 while the session is open
  uint64_t bytesFromServer = 0;  // ICA traffic towards the user (screen, audio, video)
  uint64_t bytesToServer = 0;    // ICA traffic from the user (input, uploads)
  double peakMbps = 0;           // highest one-second ICA rate, both directions
};

enum class FlagKind { kIcaVideo, kStreamingService };
const char* flagKindName(FlagKind kind);  // "ica-video", "streaming-service"

// A random id (UUID) for a new session or flag.
std::string newRecordId();

// Heavy streaming during a session, with its evidence.
struct Flag {
  std::string id;  // random, unique
  std::string user;
  FlagKind kind = FlagKind::kIcaVideo;
  std::string service;  // nDPI service for streaming-service flags; empty for ica-video
  std::string sessionId;
  int64_t startMicros = 0;
  int64_t endMicros = 0;              // the latest second seen so far while the flag is open
  int64_t raisedMicros = 0;           // capture time at which the flag was raised
  bool open = true;                   // the stream is still going on
  double avgMbps = 0;                 // towards the user, over start..end
  double peakMbps = 0;                // highest sliding-window average
  uint64_t bytes = 0;                 // both directions, over start..end
  std::vector<double> perMinuteMbps;  // evidence: one average per minute from the start

  int64_t durationSeconds() const { return (endMicros - startMicros) / 1000000; }
};

// Receives sessions and flags as they happen. Called on the packet thread: must not block.
class CitrixSink {
 public:
  virtual ~CitrixSink() = default;
  virtual void sessionStarted(const Session& session) = 0;
  virtual void sessionEnded(const Session& session) = 0;
  virtual void flagRaised(const Flag& flag) = 0;
  // The stream behind an earlier flagRaised() ended; `flag` holds its final figures.
  virtual void flagEnded(const Flag& flag) = 0;
};

}  // namespace tillid::citrix
