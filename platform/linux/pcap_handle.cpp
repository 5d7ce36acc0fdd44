#include "platform/linux/pcap_handle.h"

namespace tillid::platform::pcap {
namespace {

constexpr uint16_t kLinkTypeRaw = 101;

struct DispatchContext {
  FrameSink* sink;
  uint16_t linkType;
  size_t delivered;
};

void onPacket(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  auto* context = reinterpret_cast<DispatchContext*>(user);
  CapturedFrame frame;
  frame.timeMicros = static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 +
                     static_cast<int64_t>(header->ts.tv_usec);
  frame.wireLength = header->len;
  frame.capturedLength = header->caplen;
  frame.data = bytes;
  frame.linkType = context->linkType;
  context->sink->onFrame(frame);
  ++context->delivered;
}

}  // namespace

uint16_t linkTypeOf(pcap_t* handle) {
  const int dlt = pcap_datalink(handle);
  if (dlt == DLT_RAW) return kLinkTypeRaw;
  return static_cast<uint16_t>(dlt);
}

Result<size_t> dispatchFrames(pcap_t* handle, uint16_t linkType, FrameSink& sink, int maxFrames,
                              const std::string& what) {
  DispatchContext context{&sink, linkType, 0};
  const int result =
      pcap_dispatch(handle, maxFrames, onPacket, reinterpret_cast<u_char*>(&context));
  if (result == PCAP_ERROR) {
    return Status::error(ErrorCode::kIo, what + ": " + pcap_geterr(handle));
  }
  return context.delivered;
}

}  // namespace tillid::platform::pcap
