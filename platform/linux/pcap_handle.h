#pragma once
// What the live and file sources share: an owned pcap_t and the loop that turns libpcap's
// callbacks into CapturedFrames. Internal to platform/linux.

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "platform/packet_source.h"

namespace tillid::platform::pcap {

struct HandleCloser {
  void operator()(pcap_t* handle) const { pcap_close(handle); }
};
using Handle = std::unique_ptr<pcap_t, HandleCloser>;

// The LINKTYPE_* value of a handle's DLT_* (they differ for raw IP on Linux).
uint16_t linkTypeOf(pcap_t* handle);

// Runs pcap_dispatch on `handle` (at most `maxFrames`, -1 for all that are buffered) and
// hands every frame to `sink`. Returns the count delivered; 0 at the end of a file.
Result<size_t> dispatchFrames(pcap_t* handle, uint16_t linkType, FrameSink& sink, int maxFrames,
                              const std::string& what);

}  // namespace tillid::platform::pcap
