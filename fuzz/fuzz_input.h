#pragma once
// The input format both fuzz targets share (scripts/fuzz writes seeds in it from the
// shared captures): a sequence of frames, each
//   1 byte  link type (index into kFuzzLinkTypes, modulo its size)
//   2 bytes frame length (big-endian; cut to what is left)
//   frame bytes

#include <cstddef>
#include <cstdint>

#include "agent/usage/packet_parser.h"

namespace tillid::fuzz {

inline constexpr usage::LinkType kFuzzLinkTypes[] = {
    usage::LinkType::kEthernet,  usage::LinkType::kRaw,  usage::LinkType::kLinuxSll,
    usage::LinkType::kLinuxSll2, usage::LinkType::kNull, usage::LinkType::kLoop,
    usage::LinkType::kIpv4,      usage::LinkType::kIpv6,
};

// Calls `onFrame(linkType, frame, length, index)` for each frame in `data`.
template <typename OnFrame>
void forEachFrame(const uint8_t* data, size_t size, OnFrame onFrame) {
  size_t offset = 0;
  for (uint32_t index = 0; offset + 3 <= size; ++index) {
    const auto type =
        kFuzzLinkTypes[data[offset] % (sizeof kFuzzLinkTypes / sizeof kFuzzLinkTypes[0])];
    size_t length = static_cast<size_t>(data[offset + 1]) << 8 | data[offset + 2];
    offset += 3;
    if (length > size - offset) length = size - offset;
    onFrame(type, data + offset, length, index);
    offset += length;
  }
}

}  // namespace tillid::fuzz
