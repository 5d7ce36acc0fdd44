#pragma once
// Turns a Scenario into a capture file: every flow opens as the real protocol does (TCP
// handshake, ICA/CGP opening, TLS ClientHello/ServerHello, QUIC Initial), then carries
// its segments' rates as frames cut to their headers with the original lengths kept
// (60 kB per frame by default, like a host's GRO/TSO), and closes with FINs.
// Deterministic: the same scenario and seed give the same file.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "tools/scenario/scenario.h"

namespace tillid::scenario {

struct CaptureStats {
  uint64_t frames = 0;
  uint64_t wireBytes = 0;  // what the frames' original lengths add up to
};

Result<CaptureStats> writeCapture(const Scenario& scenario, const std::string& path);

}  // namespace tillid::scenario
