#pragma once
// The descriptive part of a flow (service, category, destination, application, user),
// kept once for all live flows that share it. Tens of thousands of live flows have a few
// hundred distinct label sets, so each flow holds a pointer instead of five strings.
//
// Not thread-safe: one pipeline thread owns it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace tillid::usage {

struct FlowLabels {
  std::string service;
  std::string category;
  std::string destination;
  std::string application;
  std::string user;
  bool operator==(const FlowLabels&) const = default;
};

class FlowLabelPool final {
 public:
  FlowLabelPool() = default;
  FlowLabelPool(const FlowLabelPool&) = delete;
  FlowLabelPool& operator=(const FlowLabelPool&) = delete;

  // The pool's copy of `labels`, with one more reference. The pointer stays valid until
  // the matching release().
  const FlowLabels* acquire(const FlowLabels& labels);
  // Drops one reference; the last one frees the copy. REQUIRES: from acquire().
  void release(const FlowLabels* labels);

  // Distinct label sets held.
  size_t size() const { return entries_.size(); }

 private:
  struct Hash {
    size_t operator()(const FlowLabels& labels) const;
  };
  std::unordered_map<FlowLabels, uint32_t, Hash> entries_;  // -> references
};

}  // namespace tillid::usage
