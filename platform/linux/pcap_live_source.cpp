// The live source: libpcap on the memory-mapped packet ring (TPACKET_V3) of every
// interface that is up ("any") or of the configured ones.

#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "platform/linux/pcap_handle.h"
#include "platform/packet_source.h"

namespace tillid::platform {
namespace {

// Only IP reaches the pipeline, and loopback traffic is the device talking to itself
// (and would be seen twice on "any"): the kernel drops the rest before copying it.
// VLAN-tagged frames pass too where the link layer can carry them (Ethernet).
constexpr const char* kFilter =
    "(ip and not src net 127.0.0.0/8 and not dst net 127.0.0.0/8) or "
    "(ip6 and not src host ::1 and not dst host ::1)";
constexpr const char* kEthernetFilter =
    "(ip and not src net 127.0.0.0/8 and not dst net 127.0.0.0/8) or "
    "(ip6 and not src host ::1 and not dst host ::1) or vlan";
// Not immediate mode: libpcap then uses TPACKET_V3, whose kernel ring hands over whole
// blocks of frames, waking the agent at most every kBlockTimeoutMs instead of per packet.
// Usage metadata does not need lower latency, and the wake-ups are what cost CPU.
constexpr int kBlockTimeoutMs = 100;

class PcapLiveSource final : public PacketSource {
 public:
  struct Capture {
    pcap::Handle handle;
    uint16_t linkType = 0;
    int fd = -1;
  };

  PcapLiveSource(std::vector<Capture> captures, std::vector<LocalAddress> addresses, int wakeFd)
      : captures_(std::move(captures)), addresses_(std::move(addresses)), wakeFd_(wakeFd) {}
  ~PcapLiveSource() override { ::close(wakeFd_); }

  Result<size_t> dispatch(FrameSink& sink, std::chrono::milliseconds timeout) override {
    std::vector<pollfd> fds;
    fds.reserve(captures_.size() + 1);
    for (const Capture& c : captures_) fds.push_back({c.fd, POLLIN, 0});
    fds.push_back({wakeFd_, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR) {
      return Status::error(ErrorCode::kIo, std::string("poll: ") + std::strerror(errno));
    }
    if (fds.back().revents != 0) {
      uint64_t count = 0;
      (void)!::read(wakeFd_, &count, sizeof count);
    }
    size_t delivered = 0;
    // Even without a readable fd, TPACKET_V3 may hold a retired block: always try.
    for (Capture& c : captures_) {
      auto n = pcap::dispatchFrames(c.handle.get(), c.linkType, sink, -1, "capture");
      if (!n) return n.status();
      delivered += *n;
    }
    received_ += delivered;
    return delivered;
  }

  bool finished() const override { return false; }

  void interrupt() override {
    const uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
  }

  PacketSourceStats stats() const override {
    PacketSourceStats stats;
    stats.received = received_;
    for (const Capture& c : captures_) {
      pcap_stat s{};
      if (pcap_stats(c.handle.get(), &s) == 0) {
        stats.droppedByKernel += s.ps_drop;
        stats.droppedByInterface += s.ps_ifdrop;
      }
    }
    return stats;
  }

  std::vector<LocalAddress> localAddresses() const override { return addresses_; }

 private:
  std::vector<Capture> captures_;
  std::vector<LocalAddress> addresses_;
  int wakeFd_;
  std::atomic<uint64_t> received_{0};
};

Status pcapError(pcap_t* handle, const std::string& device, const std::string& step) {
  return Status::error(ErrorCode::kIo,
                       "capture on " + device + ": " + step + ": " + pcap_geterr(handle));
}

Result<PcapLiveSource::Capture> openDevice(const std::string& device,
                                           const LiveCaptureOptions& options) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap::Handle handle(pcap_create(device.c_str(), error));
  if (!handle) return Status::error(ErrorCode::kIo, "capture on " + device + ": " + error);
  pcap_t* h = handle.get();
  pcap_set_snaplen(h, options.snapLength);
  pcap_set_promisc(h, 0);  // this device's own traffic only
  pcap_set_immediate_mode(h, 0);
  pcap_set_timeout(h, kBlockTimeoutMs);
  pcap_set_buffer_size(h, options.bufferMegabytes * 1024 * 1024);
  const int activated = pcap_activate(h);
  if (activated < 0) {
    const ErrorCode code =
        activated == PCAP_ERROR_PERM_DENIED ? ErrorCode::kPermission : ErrorCode::kIo;
    return Status::error(
        code, "capture on " + device + ": " + pcap_statustostr(activated) + " (" + pcap_geterr(h) +
                  ")" +
                  (code == ErrorCode::kPermission ? "; live capture needs CAP_NET_RAW (run as root)"
                                                  : ""));
  }
  bpf_program program{};
  const char* filter = pcap_datalink(h) == DLT_EN10MB ? kEthernetFilter : kFilter;
  if (pcap_compile(h, &program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return pcapError(h, device, "compiling the filter");
  }
  const int set = pcap_setfilter(h, &program);
  pcap_freecode(&program);
  if (set != 0) return pcapError(h, device, "setting the filter");
  if (pcap_setnonblock(h, 1, error) != 0) {
    return Status::error(ErrorCode::kIo, "capture on " + device + ": " + error);
  }
  PcapLiveSource::Capture capture;
  capture.linkType = pcap::linkTypeOf(h);
  capture.fd = pcap_get_selectable_fd(h);
  capture.handle = std::move(handle);
  return capture;
}

std::vector<LocalAddress> interfaceAddresses(const std::vector<std::string>& interfaces) {
  std::vector<LocalAddress> addresses;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    if (!interfaces.empty()) {
      bool wanted = false;
      for (const auto& name : interfaces) wanted = wanted || name == a->ifa_name;
      if (!wanted) continue;
    }
    LocalAddress local;
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      std::memcpy(local.bytes.data(), &in->sin_addr, 4);
      local.ipVersion = 4;
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      std::memcpy(local.bytes.data(), &in6->sin6_addr, 16);
      local.ipVersion = 6;
    } else {
      continue;
    }
    addresses.push_back(local);
  }
  ::freeifaddrs(list);
  return addresses;
}

}  // namespace

Result<std::unique_ptr<PacketSource>> openLiveCapture(const LiveCaptureOptions& options) {
  std::vector<std::string> devices = options.interfaces;
  if (devices.empty()) devices.emplace_back("any");
  std::vector<PcapLiveSource::Capture> captures;
  for (const auto& device : devices) {
    auto capture = openDevice(device, options);
    if (!capture) return capture.status();
    captures.push_back(std::move(*capture));
  }
  const int wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd < 0) {
    return Status::error(ErrorCode::kIo, std::string("eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<PacketSource>(
      new PcapLiveSource(std::move(captures), interfaceAddresses(options.interfaces), wakeFd));
}

}  // namespace tillid::platform
