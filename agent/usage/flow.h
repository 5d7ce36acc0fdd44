#pragma once
// What the usage pipeline knows about one flow, shared with its consumers (the hourly
// aggregator, the Citrix session tracker and streaming detector). Plain data.

#include <cstdint>
#include <string>

#include "platform/socket_owner_resolver.h"

namespace tillid::usage {

// Who opened the flow, seen from this device.
enum class Direction : uint8_t {
  kOutbound,  // the device is the client (it sent the first packet / the SYN)
  kInbound,   // the device is the server
  kUnknown,
};

// The two ends (ipVersion, protocol, local and remote address and port), then what the
// pipeline learns about the flow.
struct FlowInfo : platform::SocketEndpoints {
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
