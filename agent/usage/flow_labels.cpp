#include "agent/usage/flow_labels.h"

#include <functional>

namespace tillid::usage {

size_t FlowLabelPool::Hash::operator()(const FlowLabels& labels) const {
  size_t h = 0;
  for (const std::string* part : {&labels.service, &labels.category, &labels.destination,
                                  &labels.application, &labels.user}) {
    h = h * 1000003u ^ std::hash<std::string>()(*part);
  }
  return h;
}

const FlowLabels* FlowLabelPool::acquire(const FlowLabels& labels) {
  auto [it, inserted] = entries_.try_emplace(labels, 0);
  ++it->second;
  return &it->first;  // unordered_map nodes never move
}

void FlowLabelPool::release(const FlowLabels* labels) {
  auto it = entries_.find(*labels);
  if (--it->second == 0) entries_.erase(it);
}

}  // namespace tillid::usage
