#pragma once
// What the usage pipeline knows about one flow, shared with its consumers (the hourly
// aggregator, the Citrix session tracker and streaming detector). Plain data.

#include <cstdint>
#include <string>

namespace tillid::usage {

// Who opened the flow, seen from this device.
enum class Direction : uint8_t {
  kOutbound,  // the device is the client (it sent the first packet / the SYN)
  kInbound,   // the device is the server
  kUnknown,
};

struct FlowInfo {
  uint8_t ipVersion = 4;     // 4 or 6
  uint8_t protocol = 0;      // IP protocol number (6 TCP, 17 UDP, ...)
  std::string localAddress;  // printable, e.g. "10.0.0.5" or "2001:db8::1"
  uint16_t localPort = 0;
  std::string remoteAddress;
  uint16_t remotePort = 0;
  Direction direction = Direction::kUnknown;

  // Filled in as they become known; empty until then.
  std::string service;      // nDPI protocol name, e.g. "NetFlix", "Teams", "Citrix"
  std::string category;     // nDPI category name, e.g. "Video", "Streaming", "VoIP"
  std::string destination;  // registrable domain, the remote address, or "protected"
  std::string application;  // local executable name, or "unknown"
  std::string user;         // local user name, or "unknown"
};

// One packet's contribution, by its original (on-the-wire) length.
struct PacketEvent {
  int64_t timeMicros = 0;  // capture time, microseconds since the Unix epoch
  uint32_t bytes = 0;
  bool fromDevice = false;  // true: upload (device -> remote); false: download
};

}  // namespace tillid::usage
