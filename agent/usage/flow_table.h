#pragma once
// The table of live flows, keyed by the bidirectional 5-tuple: both directions of a
// conversation land in one record that knows which side is the client. Bounded: when it
// is full, the least recently seen flow is ended (and counted) to make room. Flows end on
// TCP RST, on FIN from both sides, or after an idle timeout.
//
// Memory is reserved up front (records, index and LRU links), so the packet path does not
// allocate; it becomes resident only as flows use it. Records are addressed by a stable
// slot number in [0, capacity), handed out in increasing order until the table first
// fills, which lets the pipeline keep its own per-flow state in a parallel array.
//
// Not thread-safe: one pipeline thread owns it.

#include <array>
#include <cstdint>
#include <vector>

#include "agent/usage/packet_parser.h"

namespace tillid::usage {

struct FlowKey {
  // Side A is the (address, port) pair that sorts first, so both directions agree.
  std::array<uint8_t, 16> addressA{};
  std::array<uint8_t, 16> addressB{};
  uint16_t portA = 0;
  uint16_t portB = 0;
  uint8_t protocol = 0;
  uint8_t ipVersion = 0;
  bool operator==(const FlowKey&) const = default;
};

enum class FlowEndReason : uint8_t { kClosed, kReset, kIdle, kEvicted, kDrained };

// Fields ordered so that the small ones fill the key's tail padding: 88 bytes a flow.
struct FlowRecord {
  FlowKey key;
  bool clientIsA = true;  // which side opened the conversation (see FlowTable::touch)
  uint8_t finFrom = 0;    // bit 0: client sent FIN, bit 1: server sent FIN
  uint64_t id = 0;        // unique per table lifetime
  int64_t firstSeenMicros = 0;
  int64_t lastSeenMicros = 0;
  uint64_t bytesFromClient = 0;  // by original (wire) length
  uint64_t bytesToClient = 0;
  uint32_t packetsFromClient = 0;
  uint32_t packetsToClient = 0;

  const std::array<uint8_t, 16>& clientAddress() const {
    return clientIsA ? key.addressA : key.addressB;
  }
  const std::array<uint8_t, 16>& serverAddress() const {
    return clientIsA ? key.addressB : key.addressA;
  }
  uint16_t clientPort() const { return clientIsA ? key.portA : key.portB; }
  uint16_t serverPort() const { return clientIsA ? key.portB : key.portA; }
};

struct FlowTableOptions {
  uint32_t maxFlows = 65536;
  int64_t tcpIdleMicros = 300'000'000;  // established TCP can be quiet for minutes
  int64_t udpIdleMicros = 60'000'000;   // UDP and other protocols
};

struct FlowTableStats {
  uint64_t created = 0;
  uint64_t ended = 0;
  uint64_t evicted = 0;             // ended early because the table was full
  uint64_t controlWithoutFlow = 0;  // TCP ACK/FIN/RST without payload for no known flow
};

// Told about every flow that ends; the record is valid during the call only.
class FlowEndSink {
 public:
  virtual ~FlowEndSink() = default;
  virtual void flowEnded(uint32_t slot, const FlowRecord& record, FlowEndReason reason,
                         int64_t timeMicros) = 0;
};

class FlowTable final {
 public:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  FlowTable(const FlowTableOptions& options, FlowEndSink& sink);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  struct Touched {
    uint32_t slot = kNoSlot;  // kNoSlot: the packet belongs to no flow (counted)
    bool created = false;
    bool fromClient = false;
    bool ending = false;  // RST, or FIN seen from both sides: call endFlow() when done
    FlowEndReason endReason = FlowEndReason::kClosed;
  };

  // Accounts one packet to its flow, creating the flow if needed. The client of a new
  // flow is the sender of a SYN (the receiver of a SYN-ACK); otherwise the side with the
  // well-known port (< 1024) is the server, and failing that the first sender is the
  // client. A TCP packet without payload and without SYN opens no flow: it is the tail
  // of a conversation already ended. After RST, or FIN from both sides, `ending` is set
  // and the caller ends the flow with endFlow() once it has handled the packet.
  Touched touch(const ParsedPacket& packet, int64_t timeMicros, uint32_t wireBytes);

  // Reports the flow to the sink and frees its slot. REQUIRES: slot is in use.
  void endFlow(uint32_t slot, FlowEndReason reason, int64_t timeMicros);

  // Ends flows idle for longer than their protocol's timeout.
  void expire(int64_t nowMicros);
  // Ends every flow (end of a capture file, shutdown).
  void drain(int64_t nowMicros);

  const FlowRecord& record(uint32_t slot) const { return records_[slot]; }
  uint32_t capacity() const { return options_.maxFlows; }
  uint32_t size() const { return size_; }
  const FlowTableStats& stats() const { return stats_; }

 private:
  struct Lru {
    uint32_t head = kNoSlot;
    uint32_t tail = kNoSlot;
  };
  Lru& lruFor(uint32_t slot) { return records_[slot].key.protocol == kProtocolTcp ? tcp_ : other_; }
  void unlink(uint32_t slot);
  void append(uint32_t slot);
  // Position of `key` in index_, or of the empty entry where it would go.
  size_t findIndex(const FlowKey& key, uint64_t hash) const;
  void eraseIndex(uint32_t slot);
  uint32_t allocate();

  FlowTableOptions options_;
  FlowEndSink& sink_;
  std::vector<FlowRecord> records_;
  std::vector<uint32_t> prev_;
  std::vector<uint32_t> next_;
  std::vector<uint32_t> index_;   // open addressing, linear probing: slot or kNoSlot
  std::vector<uint64_t> hashes_;  // slot -> hash of its key
  std::vector<uint32_t> free_;
  Lru tcp_;
  Lru other_;
  uint32_t size_ = 0;
  uint64_t nextId_ = 1;
  FlowTableStats stats_;
};

}  // namespace tillid::usage
