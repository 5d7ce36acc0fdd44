#pragma once
// Where packets come from: a live capture on the device's interfaces, or a capture file
// (pcap or pcapng) replayed through the same pipeline. Implementations live in
// platform/<os>/ (libpcap on Linux).

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tillid::platform {

// One captured frame. `data` holds `capturedLength` bytes and is valid only during the
// FrameSink call; `wireLength` is the frame's original length (what volumes count).
struct CapturedFrame {
  int64_t timeMicros = 0;  // capture time, microseconds since the Unix epoch
  uint32_t wireLength = 0;
  uint32_t capturedLength = 0;
  const uint8_t* data = nullptr;
  uint16_t linkType = 0;  // libpcap LINKTYPE_* value (usage::LinkType)
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void onFrame(const CapturedFrame& frame) = 0;
};

struct PacketSourceStats {
  uint64_t received = 0;         // frames handed to the sink
  uint64_t droppedByKernel = 0;  // live: the ring was full (the pipeline was too slow)
  uint64_t droppedByInterface = 0;
};

// An address of this device; IPv4 uses the first 4 bytes.
struct LocalAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t ipVersion = 4;
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;

  // Hands the frames that are ready to `sink`, waiting up to `timeout` for the first.
  // Returns how many were delivered (0: nothing came in time, or a file is at its end).
  // A damaged file stops with an error after the frames before the damage.
  virtual Result<size_t> dispatch(FrameSink& sink, std::chrono::milliseconds timeout) = 0;

  // True once a file source has delivered its last frame (never for a live source).
  virtual bool finished() const = 0;

  // Makes a dispatch() waiting on another thread return soon. Thread-safe.
  virtual void interrupt() = 0;

  virtual PacketSourceStats stats() const = 0;

  // Live: the addresses of the captured interfaces (they tell which side of a flow is
  // this device). Files: empty.
  virtual std::vector<LocalAddress> localAddresses() const = 0;
};

// Opens a pcap or pcapng file.
Result<std::unique_ptr<PacketSource>> openCaptureFile(const std::string& path);

struct LiveCaptureOptions {
  // Interface names; empty captures all interfaces that are up (libpcap's "any").
  std::vector<std::string> interfaces;
  // Bytes kept of each frame. 2048 keeps every header, a DNS answer of a normal size
  // (512 bytes classic, up to ~1232 with EDNS on today's resolvers), a TLS ClientHello
  // (commonly 500-1800 bytes with its extensions) and a QUIC Initial (at least 1200
  // bytes by RFC 9000, seldom more than 1350): the pipeline reads nothing deeper.
  int snapLength = 2048;
  int bufferMegabytes = 4;  // the kernel ring shared with libpcap (memory-mapped)
};

// Starts a live capture (needs CAP_NET_RAW). Incoming and outgoing frames are both seen.
Result<std::unique_ptr<PacketSource>> openLiveCapture(const LiveCaptureOptions& options);

// The two openers above as a service the agent receives (platform.h).
class PacketSources {
 public:
  virtual ~PacketSources() = default;
  virtual Result<std::unique_ptr<PacketSource>> openFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<PacketSource>> openLive(const LiveCaptureOptions& options) = 0;
};

}  // namespace tillid::platform
