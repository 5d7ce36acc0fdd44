#pragma once
// Writes a classic pcap file (microsecond timestamps, Ethernet link type). Each record
// keeps the frame's original length, so a frame cut to its headers still counts its
// full size on the wire.

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid::scenario {

class PcapWriter {
 public:
  static Result<PcapWriter> create(const std::string& path);

  // `captured` is what the file holds; wireLength >= captured.size().
  void write(int64_t timeMicros, const std::vector<uint8_t>& captured, uint32_t wireLength);
  Status close();
  uint64_t frames() const { return frames_; }

 private:
  explicit PcapWriter(std::ofstream out) : out_(std::move(out)) {}
  std::ofstream out_;
  uint64_t frames_ = 0;
};

}  // namespace tillid::scenario
