// The capture-file source: pcap and pcapng through libpcap's offline reader.

#include <pcap/pcap.h>

#include "platform/linux/pcap_handle.h"
#include "platform/packet_source.h"

namespace tillid::platform {
namespace {

// Frames per dispatch: large enough to amortise the call, small enough to keep the
// caller's loop responsive.
constexpr int kFramesPerDispatch = 4096;

class PcapFileSource final : public PacketSource {
 public:
  PcapFileSource(pcap::Handle handle, std::string path)
      : handle_(std::move(handle)),
        linkType_(pcap::linkTypeOf(handle_.get())),
        path_(std::move(path)) {}

  Result<size_t> dispatch(FrameSink& sink, std::chrono::milliseconds) override {
    if (finished_) return size_t{0};
    auto delivered =
        pcap::dispatchFrames(handle_.get(), linkType_, sink, kFramesPerDispatch, path_);
    if (!delivered) {
      finished_ = true;
      return delivered.status();
    }
    received_ += *delivered;
    if (*delivered == 0) finished_ = true;
    return delivered;
  }

  bool finished() const override { return finished_; }
  void interrupt() override { pcap_breakloop(handle_.get()); }
  PacketSourceStats stats() const override { return {received_, 0, 0}; }
  std::vector<LocalAddress> localAddresses() const override { return {}; }

 private:
  pcap::Handle handle_;
  uint16_t linkType_;
  std::string path_;
  uint64_t received_ = 0;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<PacketSource>> openCaptureFile(const std::string& path) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
  if (handle == nullptr) {
    return Status::error(ErrorCode::kInvalidArgument, path + ": " + error);
  }
  return std::unique_ptr<PacketSource>(new PcapFileSource(pcap::Handle(handle), path));
}

}  // namespace tillid::platform
