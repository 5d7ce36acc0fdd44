#pragma once
// Where an agent keeps its files inside its state directory.

#include <string>

namespace tillid {

struct StatePaths {
  std::string root;  // absolute

  std::string database() const { return root + "/tillid.db"; }
  std::string lock() const { return root + "/agent.lock"; }
};

}  // namespace tillid
