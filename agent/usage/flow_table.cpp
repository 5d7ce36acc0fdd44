#include "agent/usage/flow_table.h"

#include <algorithm>
#include <cstring>

namespace tillid::usage {
namespace {

// Resident per live flow (with prev_, next_, hashes_): keep it from growing unnoticed.
static_assert(sizeof(FlowRecord) == 88);

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t hashKey(const FlowKey& key) {
  uint64_t words[4];
  std::memcpy(words, key.addressA.data(), 16);
  std::memcpy(words + 2, key.addressB.data(), 16);
  uint64_t h = static_cast<uint64_t>(key.portA) << 32 | static_cast<uint64_t>(key.portB) << 16 |
               static_cast<uint64_t>(key.protocol) << 8 | key.ipVersion;
  for (uint64_t w : words) h = mix(h, w);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return h;
}

// Orders the two endpoints so that both directions produce the same key.
FlowKey makeKey(const ParsedPacket& p, bool& sourceIsA) {
  FlowKey key;
  key.protocol = p.protocol;
  key.ipVersion = p.ipVersion;
  const int order = std::memcmp(p.source.data(), p.destination.data(), 16);
  sourceIsA = order < 0 || (order == 0 && p.sourcePort <= p.destinationPort);
  if (sourceIsA) {
    key.addressA = p.source;
    key.addressB = p.destination;
    key.portA = p.sourcePort;
    key.portB = p.destinationPort;
  } else {
    key.addressA = p.destination;
    key.addressB = p.source;
    key.portA = p.destinationPort;
    key.portB = p.sourcePort;
  }
  return key;
}

// Decides whether the sender of a flow's first packet is the client.
bool senderIsClient(const ParsedPacket& p) {
  if (p.protocol == kProtocolTcp && (p.tcpFlags & kTcpSyn) != 0) {
    return (p.tcpFlags & kTcpAck) == 0;
  }
  const bool sourceWellKnown = p.sourcePort != 0 && p.sourcePort < 1024;
  const bool destinationWellKnown = p.destinationPort != 0 && p.destinationPort < 1024;
  return !(sourceWellKnown && !destinationWellKnown);
}

size_t indexSizeFor(uint32_t maxFlows) {
  size_t size = 16;
  while (size < static_cast<size_t>(maxFlows) * 2) size *= 2;
  return size;
}

}  // namespace

FlowTable::FlowTable(const FlowTableOptions& options, FlowEndSink& sink)
    : options_(options), sink_(sink) {
  options_.maxFlows = std::max<uint32_t>(options_.maxFlows, 1);
  // Reserved, not filled: the pages of slots never used are never touched, so resident
  // memory follows the number of flows actually live (reserve() does not move them later).
  records_.reserve(options_.maxFlows);
  prev_.reserve(options_.maxFlows);
  next_.reserve(options_.maxFlows);
  hashes_.reserve(options_.maxFlows);
  free_.reserve(options_.maxFlows);
  index_.assign(indexSizeFor(options_.maxFlows), kNoSlot);
}

size_t FlowTable::findIndex(const FlowKey& key, uint64_t hash) const {
  const size_t mask = index_.size() - 1;
  size_t i = hash & mask;
  while (index_[i] != kNoSlot) {
    const uint32_t slot = index_[i];
    if (hashes_[slot] == hash && records_[slot].key == key) return i;
    i = (i + 1) & mask;
  }
  return i;
}

void FlowTable::eraseIndex(uint32_t slot) {
  const size_t mask = index_.size() - 1;
  size_t hole = findIndex(records_[slot].key, hashes_[slot]);
  index_[hole] = kNoSlot;
  // Backward-shift deletion keeps every entry reachable from its home position.
  for (size_t j = (hole + 1) & mask; index_[j] != kNoSlot; j = (j + 1) & mask) {
    const size_t home = hashes_[index_[j]] & mask;
    const bool homeBetween = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!homeBetween) {
      index_[hole] = index_[j];
      index_[j] = kNoSlot;
      hole = j;
    }
  }
}

void FlowTable::unlink(uint32_t slot) {
  Lru& lru = lruFor(slot);
  if (prev_[slot] != kNoSlot) {
    next_[prev_[slot]] = next_[slot];
  } else {
    lru.head = next_[slot];
  }
  if (next_[slot] != kNoSlot) {
    prev_[next_[slot]] = prev_[slot];
  } else {
    lru.tail = prev_[slot];
  }
  prev_[slot] = next_[slot] = kNoSlot;
}

void FlowTable::append(uint32_t slot) {
  Lru& lru = lruFor(slot);
  prev_[slot] = lru.tail;
  next_[slot] = kNoSlot;
  if (lru.tail != kNoSlot) {
    next_[lru.tail] = slot;
  } else {
    lru.head = slot;
  }
  lru.tail = slot;
}

void FlowTable::endFlow(uint32_t slot, FlowEndReason reason, int64_t timeMicros) {
  sink_.flowEnded(slot, records_[slot], reason, timeMicros);
  eraseIndex(slot);
  unlink(slot);
  free_.push_back(slot);
  --size_;
  ++stats_.ended;
}

uint32_t FlowTable::allocate() {
  if (free_.empty() && records_.size() < options_.maxFlows) {
    records_.emplace_back();
    prev_.push_back(kNoSlot);
    next_.push_back(kNoSlot);
    hashes_.push_back(0);
    return static_cast<uint32_t>(records_.size() - 1);
  }
  if (free_.empty()) {
    // Full: make room by ending the flow seen least recently, whatever its protocol.
    uint32_t victim = tcp_.head;
    if (victim == kNoSlot || (other_.head != kNoSlot && records_[other_.head].lastSeenMicros <
                                                            records_[victim].lastSeenMicros)) {
      victim = other_.head;
    }
    ++stats_.evicted;
    endFlow(victim, FlowEndReason::kEvicted, records_[victim].lastSeenMicros);
  }
  const uint32_t slot = free_.back();
  free_.pop_back();
  return slot;
}

FlowTable::Touched FlowTable::touch(const ParsedPacket& packet, int64_t timeMicros,
                                    uint32_t wireBytes) {
  bool sourceIsA = true;
  const FlowKey key = makeKey(packet, sourceIsA);
  const uint64_t hash = hashKey(key);
  size_t position = findIndex(key, hash);
  Touched touched;
  uint32_t slot = index_[position];
  if (slot == kNoSlot) {
    const bool tcp = packet.protocol == kProtocolTcp;
    if (tcp && (packet.tcpFlags & kTcpSyn) == 0 && packet.payloadLength == 0) {
      ++stats_.controlWithoutFlow;
      return touched;
    }
    slot = allocate();
    position = findIndex(key, hash);  // an eviction may have shifted the index
    FlowRecord& r = records_[slot];
    r = FlowRecord{};
    r.key = key;
    r.id = nextId_++;
    r.clientIsA = senderIsClient(packet) == sourceIsA;
    r.firstSeenMicros = timeMicros;
    hashes_[slot] = hash;
    index_[position] = slot;
    ++size_;
    ++stats_.created;
    touched.created = true;
  } else {
    unlink(slot);
  }
  FlowRecord& r = records_[slot];
  append(slot);
  r.lastSeenMicros = std::max(r.lastSeenMicros, timeMicros);
  touched.slot = slot;
  touched.fromClient = sourceIsA == r.clientIsA;
  if (touched.fromClient) {
    r.bytesFromClient += wireBytes;
    ++r.packetsFromClient;
  } else {
    r.bytesToClient += wireBytes;
    ++r.packetsToClient;
  }
  if (packet.protocol == kProtocolTcp) {
    if ((packet.tcpFlags & kTcpFin) != 0) r.finFrom |= touched.fromClient ? 1 : 2;
    if ((packet.tcpFlags & kTcpRst) != 0) {
      touched.ending = true;
      touched.endReason = FlowEndReason::kReset;
    } else if (r.finFrom == 3) {
      touched.ending = true;
      touched.endReason = FlowEndReason::kClosed;
    }
  }
  return touched;
}

void FlowTable::expire(int64_t nowMicros) {
  for (Lru* lru : {&tcp_, &other_}) {
    const int64_t timeout = lru == &tcp_ ? options_.tcpIdleMicros : options_.udpIdleMicros;
    while (lru->head != kNoSlot && records_[lru->head].lastSeenMicros + timeout <= nowMicros) {
      endFlow(lru->head, FlowEndReason::kIdle, nowMicros);
    }
  }
}

void FlowTable::drain(int64_t nowMicros) {
  for (Lru* lru : {&tcp_, &other_}) {
    while (lru->head != kNoSlot) endFlow(lru->head, FlowEndReason::kDrained, nowMicros);
  }
}

}  // namespace tillid::usage
