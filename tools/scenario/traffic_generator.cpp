#include "tools/scenario/traffic_generator.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "tools/scenario/packet_synth.h"
#include "tools/scenario/pcap_writer.h"

namespace tillid::scenario {
namespace {

struct Frame {
  int64_t timeMicros;
  Bytes captured;
  uint32_t wireLength;
};

// One flow's connection state while frames are produced.
class FlowWriter {
 public:
  FlowWriter(const FlowSpec& spec, const Endpoint& client, uint32_t seed)
      : spec_(spec), client_(client), rng_(seed), seed_(seed) {
    server_.address = parseIpv4(spec.server);
    server_.port = spec.port;
  }

  // Frames of second `s` (seconds from the scenario start) at `base` micros.
  void second(int64_t s, int64_t base, uint32_t segmentBytes, std::vector<Frame>& out) {
    const auto first = static_cast<int64_t>(std::floor(spec_.startS()));
    const auto last = static_cast<int64_t>(std::ceil(spec_.endS())) - 1;
    if (s < first || s > last) return;
    if (s == first) open(base + 1000, out);
    for (const Segment& seg : spec_.segments) {
      if (s < static_cast<int64_t>(seg.startS) || s >= static_cast<int64_t>(std::ceil(seg.endS))) {
        continue;
      }
      const auto [down, up] = bytesOf(seg, s - static_cast<int64_t>(seg.startS));
      // The client's packets first: over UDP the first sender is taken to be the client.
      data(false, up, base + 20000, segmentBytes, out);
      data(true, down, base + 30000, segmentBytes, out);
    }
    if (s == last) close(base + 990000, out);
  }

 private:
  std::pair<uint64_t, uint64_t> bytesOf(const Segment& seg, int64_t offset) {
    auto bytes = [](double mbps) { return static_cast<uint64_t>(mbps * 1e6 / 8.0); };
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    switch (seg.pattern) {
      case Pattern::kSteady: {
        const double jitter = 1.0 + (unit(rng_) - 0.5) * 0.06;
        return {bytes(seg.downMbps * jitter), bytes(seg.upMbps * jitter)};
      }
      case Pattern::kChunked:
        // A 4-second segment of video fetched in one go; acknowledgements all along.
        return {offset % 4 == 0 ? bytes(seg.downMbps * 4) : 0, bytes(seg.upMbps)};
      case Pattern::kOffice: {
        // A trickle of screen updates, and now and then a repaint or an opened document.
        const double burst = unit(rng_) < 0.08 ? 0.5 + unit(rng_) * 5.5 : 0.0;
        const double typing = unit(rng_) < 0.3 ? 0.02 : 0.0;
        return {bytes(0.03 + burst), bytes(0.008 + typing)};
      }
      case Pattern::kIdle:
        return {offset % 10 == 0 ? 120u : 0u, offset % 10 == 0 ? 120u : 0u};
    }
    return {0, 0};
  }

  void emit(bool fromServer, int64_t t, uint8_t flags, const Bytes& captured, uint32_t payload,
            std::vector<Frame>& out) {
    const Endpoint& from = fromServer ? server_ : client_;
    const Endpoint& to = fromServer ? client_ : server_;
    if (spec_.udp) {
      out.push_back({t, udpFrame(from, to, captured, payload), kUdpHeaders + payload});
      return;
    }
    uint32_t& seq = fromServer ? serverSeq_ : clientSeq_;
    const uint32_t ack = fromServer ? clientSeq_ : serverSeq_;
    out.push_back(
        {t, tcpFrame(from, to, seq, ack, flags, captured, payload), kTcpHeaders + payload});
    seq += payload + ((flags & (kTcpSyn | kTcpFin)) ? 1 : 0);
  }

  void open(int64_t t, std::vector<Frame>& out) {
    if (!spec_.udp) {
      emit(false, t, kTcpSyn, {}, 0, out);
      emit(true, t + 300, kTcpSyn | kTcpAck, {}, 0, out);
      emit(false, t + 600, kTcpAck, {}, 0, out);
    }
    std::vector<std::pair<bool, Bytes>> opening;
    switch (spec_.kind) {
      case FlowKind::kIca:
        opening = icaOpening();
        // Over UDP (EDT) the client speaks first: it is what makes it the client.
        if (spec_.udp) opening.erase(opening.begin());
        break;
      case FlowKind::kCgp:
        opening = cgpOpening();
        break;
      case FlowKind::kTls:
        opening = {{false, tlsClientHelloRecord(spec_.sni, seed_)},
                   {true, tlsServerHelloRecord(seed_)}};
        break;
      case FlowKind::kQuic:
        opening = {{false, quicInitial(spec_.sni, seed_)}, {true, quicShortHeader(seed_)}};
        break;
      case FlowKind::kUdp:
        break;
    }
    int64_t at = t + 1000;
    for (const auto& [fromServer, payload] : opening) {
      const auto size = static_cast<uint32_t>(payload.size());
      emit(fromServer, at, kTcpAck | kTcpPsh, payload,
           spec_.kind == FlowKind::kQuic && fromServer ? 1200 : size, out);
      at += 2000;
    }
  }

  void data(bool fromServer, uint64_t bytes, int64_t t, uint32_t segmentBytes,
            std::vector<Frame>& out) {
    if (bytes == 0) return;
    const uint64_t n = (bytes + segmentBytes - 1) / segmentBytes;
    const int64_t step = 900000 / static_cast<int64_t>(n);
    // QUIC data is short-header packets; only their first bytes are captured.
    const Bytes head = spec_.kind == FlowKind::kQuic ? quicShortHeader(seed_) : Bytes{};
    for (uint64_t i = 0; i < n; ++i) {
      const auto size = static_cast<uint32_t>(std::min<uint64_t>(segmentBytes, bytes));
      bytes -= size;
      emit(fromServer, t + static_cast<int64_t>(i) * step, kTcpAck | kTcpPsh, head,
           std::max<uint32_t>(size, static_cast<uint32_t>(head.size())), out);
    }
  }

  void close(int64_t t, std::vector<Frame>& out) {
    if (spec_.udp) return;
    emit(false, t, kTcpFin | kTcpAck, {}, 0, out);
    emit(true, t + 300, kTcpFin | kTcpAck, {}, 0, out);
    emit(false, t + 600, kTcpAck, {}, 0, out);
  }

  const FlowSpec& spec_;
  Endpoint client_;
  Endpoint server_;
  std::mt19937 rng_;
  uint32_t seed_;
  uint32_t clientSeq_ = 1000;
  uint32_t serverSeq_ = 5000;
};

}  // namespace

Result<CaptureStats> writeCapture(const Scenario& scenario, const std::string& path) {
  auto writer = PcapWriter::create(path);
  if (!writer) return writer.status();
  std::vector<FlowWriter> flows;
  try {
    const auto client = parseIpv4(scenario.client);
    for (size_t i = 0; i < scenario.flows.size(); ++i) {
      flows.emplace_back(scenario.flows[i], Endpoint{client, static_cast<uint16_t>(40000 + i)},
                         scenario.seed * 7919 + static_cast<uint32_t>(i));
    }
  } catch (const std::invalid_argument& e) {
    return Status::error(ErrorCode::kInvalidArgument, std::string("scenario: ") + e.what());
  }
  CaptureStats stats;
  std::vector<Frame> frames;
  const auto seconds = static_cast<int64_t>(std::ceil(scenario.durationS));
  for (int64_t s = 0; s < seconds; ++s) {
    frames.clear();
    const int64_t base = scenario.startMicros + s * 1000000;
    for (auto& flow : flows) flow.second(s, base, scenario.segmentBytes, frames);
    std::stable_sort(frames.begin(), frames.end(),
                     [](const Frame& a, const Frame& b) { return a.timeMicros < b.timeMicros; });
    for (const auto& f : frames) {
      writer->write(f.timeMicros, f.captured, f.wireLength);
      stats.wireBytes += f.wireLength;
    }
  }
  stats.frames = writer->frames();
  TILLID_RETURN_IF_ERROR(writer->close());
  return stats;
}

}  // namespace tillid::scenario
