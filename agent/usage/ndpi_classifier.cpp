#include "agent/usage/ndpi_classifier.h"

#include <ndpi/ndpi_api.h>

#include <cstdlib>
#include <cstring>

namespace tillid::usage {
namespace {

// A state is SIZEOF_FLOW_STRUCT (688 bytes in nDPI 4.2) plus what nDPI allocates in it.
// Idle states kept for reuse: enough for the flows that start in a burst; more would stay
// resident for nothing after it (returned ones beyond this are freed).
constexpr size_t kMaxPooledStates = 256;

bool detected(const ndpi_protocol& p) {
  return p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN;
}

}  // namespace

Result<std::unique_ptr<NdpiClassifier>> NdpiClassifier::create() {
  ndpi_detection_module_struct* module = ndpi_init_detection_module(ndpi_no_prefs);
  if (module == nullptr) {
    return Status::error(ErrorCode::kInternal, "nDPI could not initialise its detection module");
  }
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(module, &all);
  ndpi_finalize_initialization(module);
  return std::unique_ptr<NdpiClassifier>(new NdpiClassifier(module));
}

NdpiClassifier::~NdpiClassifier() {
  for (ndpi_flow_struct* state : pool_) std::free(state);
  ndpi_exit_detection_module(module_);
}

ndpi_flow_struct* NdpiClassifier::begin() {
  if (inUse_ >= kMaxStatesInUse) return nullptr;
  ++inUse_;
  if (!pool_.empty()) {
    ndpi_flow_struct* state = pool_.back();
    pool_.pop_back();
    return state;
  }
  // nDPI requires a zeroed state; calloc gives one (and reused ones are zeroed in finish).
  return static_cast<ndpi_flow_struct*>(std::calloc(1, SIZEOF_FLOW_STRUCT));
}

bool NdpiClassifier::inspect(ndpi_flow_struct* state, const uint8_t* ip, size_t length,
                             int64_t timeMicros) {
  if (state == nullptr) return true;
  const auto packetLength = static_cast<unsigned short>(length > 65535 ? 65535 : length);
  const ndpi_protocol protocol = ndpi_detection_process_packet(
      module_, state, ip, packetLength, static_cast<uint64_t>(timeMicros / 1000));
  if (!detected(protocol)) return false;
  return state->host_server_name[0] != '\0' || !ndpi_extra_dissection_possible(module_, state);
}

Classification NdpiClassifier::finish(ndpi_flow_struct* state) {
  Classification result;
  if (state == nullptr) return result;
  // nDPI keeps the detected protocols as a stack: [0] the application, [1] its carrier.
  ndpi_protocol protocol{state->detected_protocol_stack[1], state->detected_protocol_stack[0],
                         state->category};
  if (!detected(protocol)) {
    uint8_t guessed = 0;
    protocol = ndpi_detection_giveup(module_, state, 1, &guessed);
  }
  const uint16_t id = protocol.app_protocol != NDPI_PROTOCOL_UNKNOWN ? protocol.app_protocol
                                                                     : protocol.master_protocol;
  result.service = ndpi_get_proto_name(module_, id);
  result.category = ndpi_category_get_name(module_, protocol.category);
  state->host_server_name[sizeof(state->host_server_name) - 1] = '\0';
  result.hostName = state->host_server_name;

  ndpi_free_flow_data(state);
  --inUse_;
  if (pool_.size() < kMaxPooledStates) {
    std::memset(static_cast<void*>(state), 0, SIZEOF_FLOW_STRUCT);
    pool_.push_back(state);
  } else {
    std::free(state);
  }
  return result;
}

}  // namespace tillid::usage
