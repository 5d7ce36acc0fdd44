#pragma once
// Names a flow's service and category with nDPI from its first packets. Each flow under
// inspection holds one nDPI flow state (taken from a small pool, so steady traffic does
// not allocate); once the service is known, or the packet budget is spent, the state goes
// back to the pool and the flow is counters only. The states lent out at once are
// bounded: beyond the bound a flow gets no state and is not inspected.
//
// Not thread-safe: one pipeline thread owns it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace tillid::usage {

struct Classification {
  std::string service;   // nDPI application protocol, or its master protocol ("TLS")
  std::string category;  // nDPI category name ("Video", "Streaming", ...)
  std::string hostName;  // TLS/QUIC SNI or HTTP Host as nDPI read it; may be empty
};

class NdpiClassifier final {
 public:
  // Flows under inspection at once (about 5.5 MB of states). Flows that never name
  // themselves (a SYN scan, a flood of one-packet UDP flows) would otherwise each hold a
  // state until they end; beyond this, new flows are not inspected.
  static constexpr size_t kMaxStatesInUse = 8192;

  static Result<std::unique_ptr<NdpiClassifier>> create();
  ~NdpiClassifier();
  NdpiClassifier(const NdpiClassifier&) = delete;
  NdpiClassifier& operator=(const NdpiClassifier&) = delete;

  // Takes a fresh per-flow state, or null when too many are lent out (the flow is then
  // not inspected; inspect() and finish() accept null). Give it back with finish().
  ndpi_flow_struct* begin();

  // Feeds one IP packet of the flow. Returns true when inspection is complete: the
  // service is known and nDPI expects nothing more from this flow's packets that would
  // name it (host name seen, or no further dissection possible).
  bool inspect(ndpi_flow_struct* state, const uint8_t* ip, size_t length, int64_t timeMicros);

  // Reads the result and returns the state to the pool. When inspection did not
  // complete, nDPI's guess (ports, addresses) names what it can, as ndpiReader does.
  Classification finish(ndpi_flow_struct* state);

  // States currently lent out (flows under inspection).
  size_t statesInUse() const { return inUse_; }

 private:
  explicit NdpiClassifier(ndpi_detection_module_struct* module) : module_(module) {}

  ndpi_detection_module_struct* module_;
  std::vector<ndpi_flow_struct*> pool_;
  size_t inUse_ = 0;
};

}  // namespace tillid::usage
