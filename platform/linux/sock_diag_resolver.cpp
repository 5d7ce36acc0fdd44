#include "platform/linux/sock_diag_resolver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <fstream>
#include <vector>

namespace tillid::platform {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

// An address as inet_diag carries it: 4 words, network byte order.
struct DiagAddress {
  std::array<uint32_t, 4> words{};
};

// Parses `text` for `family`; an IPv4 address asked as AF_INET6 becomes ::ffff:a.b.c.d
// (a dual-stack socket's view of it).
std::optional<DiagAddress> diagAddress(const std::string& text, int family) {
  DiagAddress out;
  if (family == AF_INET) {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
    out.words[0] = a.s_addr;
    return out;
  }
  in6_addr a6{};
  if (::inet_pton(AF_INET6, text.c_str(), &a6) != 1) {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
    out.words[2] = htonl(0xffff);
    out.words[3] = a.s_addr;
    return out;
  }
  std::memcpy(out.words.data(), &a6, sizeof a6);
  return out;
}

bool sameAddress(const uint32_t* words, const DiagAddress& a, int family) {
  return std::memcmp(words, a.words.data(), family == AF_INET ? 4 : 16) == 0;
}

bool isWildcard(const uint32_t* words) {
  return words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0;
}

struct Request {
  nlmsghdr header;
  inet_diag_req_v2 body;
};

// Sends one inet_diag request and returns the socket. TCP: the kernel's exact lookup.
// UDP: a dump of the sockets on the local port (udp_diag's exact lookup does not find
// unconnected sockets), preferring the connected one with the flow's peer.
std::optional<SockDiagResolver::Socket> query(int fd, uint32_t seq, int family, uint8_t protocol,
                                              const DiagAddress& local, uint16_t localPort,
                                              const DiagAddress& remote, uint16_t remotePort) {
  const bool dump = protocol == kUdp;
  Request request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_seq = seq;
  request.header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0));
  request.body.sdiag_family = static_cast<uint8_t>(family);
  request.body.sdiag_protocol = protocol;
  request.body.idiag_states = ~0u;
  request.body.id.idiag_sport = htons(localPort);
  // udp_diag's dump keeps only sockets whose ports equal non-zero request ports; an
  // unconnected socket has port 0 as its peer, so the dump asks by the local port only.
  request.body.id.idiag_dport = dump ? 0 : htons(remotePort);
  std::memcpy(request.body.id.idiag_src, local.words.data(), 16);
  std::memcpy(request.body.id.idiag_dst, remote.words.data(), 16);
  request.body.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  request.body.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &request, sizeof request, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return std::nullopt;
  }
  std::optional<SockDiagResolver::Socket> exact;
  std::optional<SockDiagResolver::Socket> bound;  // UDP: unconnected socket on the port
  alignas(nlmsghdr) static thread_local std::array<char, 32768> buffer;
  while (true) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    // The NLMSG_* macros use C casts; the same walk, spelled out.
    for (size_t offset = 0; offset + sizeof(nlmsghdr) <= static_cast<size_t>(n);) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(buffer.data() + offset);
      if (h->nlmsg_len < sizeof(nlmsghdr) || offset + h->nlmsg_len > static_cast<size_t>(n)) {
        break;
      }
      offset += NLMSG_ALIGN(h->nlmsg_len);
      if (h->nlmsg_seq != seq) continue;  // a late answer to an earlier, timed-out query
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        return exact ? exact : bound;
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      const auto* msg =
          reinterpret_cast<const inet_diag_msg*>(reinterpret_cast<const char*>(h) + NLMSG_HDRLEN);
      const SockDiagResolver::Socket socket{msg->idiag_inode, msg->idiag_uid};
      if (!dump) return socket;
      if (ntohs(msg->id.idiag_sport) != localPort) continue;
      const bool localMatches =
          sameAddress(msg->id.idiag_src, local, family) || isWildcard(msg->id.idiag_src);
      if (!localMatches) continue;
      if (ntohs(msg->id.idiag_dport) == remotePort &&
          sameAddress(msg->id.idiag_dst, remote, family)) {
        exact = socket;
      } else if (msg->id.idiag_dport == 0 && !bound) {
        bound = socket;
      }
    }
  }
  return exact ? exact : bound;
}

std::string basename(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> readLink(const std::string& path) {
  std::array<char, 512> target{};
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
  if (n <= 0) return std::nullopt;
  return std::string(target.data(), static_cast<size_t>(n));
}

// The executable's name; comm (15 characters) when exe is not readable.
std::string processName(int pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  if (auto exe = readLink(base + "/exe")) {
    std::string name = basename(*exe);
    const std::string deleted = " (deleted)";  // an upgraded binary still running
    if (name.size() > deleted.size() &&
        name.compare(name.size() - deleted.size(), deleted.size(), deleted) == 0) {
      name.resize(name.size() - deleted.size());
    }
    if (!name.empty()) return name;
  }
  std::ifstream comm(base + "/comm");
  std::string name;
  if (std::getline(comm, name) && !name.empty()) return name;
  return "unknown";
}

bool allDigits(const char* s) {
  if (*s == '\0') return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

}  // namespace

SockDiagResolver::SockDiagResolver(std::chrono::milliseconds minRescanInterval)
    : minRescanInterval_(minRescanInterval) {
  netlink_ = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (netlink_ >= 0) {
    // A lost answer must not block the packet path forever.
    timeval timeout{0, 200000};
    ::setsockopt(netlink_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
}

SockDiagResolver::~SockDiagResolver() {
  if (netlink_ >= 0) ::close(netlink_);
}

std::optional<SockDiagResolver::Socket> SockDiagResolver::findSocket(const SocketEndpoints& flow) {
  if (netlink_ < 0 || (flow.protocol != kTcp && flow.protocol != kUdp)) return std::nullopt;
  // IPv4 flows may belong to a dual-stack IPv6 socket, so AF_INET6 is asked second.
  const std::vector<int> families =
      flow.ipVersion == 4 ? std::vector<int>{AF_INET, AF_INET6} : std::vector<int>{AF_INET6};
  for (int family : families) {
    auto local = diagAddress(flow.localAddress, family);
    auto remote = diagAddress(flow.remoteAddress, family);
    if (!local || !remote) continue;
    if (auto socket = query(netlink_, ++sequence_, family, flow.protocol, *local, flow.localPort,
                            *remote, flow.remotePort)) {
      return socket;
    }
  }
  return std::nullopt;
}

void SockDiagResolver::rescanProcesses() {
  processOfInode_.clear();
  applicationOfPid_.clear();
  lastScan_ = std::chrono::steady_clock::now();
  scanned_ = true;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  const std::string prefix = "socket:[";
  while (const dirent* entry = ::readdir(proc)) {
    if (!allDigits(entry->d_name)) continue;
    const std::string fdDir = std::string("/proc/") + entry->d_name + "/fd";
    DIR* fds = ::opendir(fdDir.c_str());
    if (fds == nullptr) continue;  // gone, or another user's process without root
    int pid = 0;                   // all digits, checked above
    std::from_chars(entry->d_name, entry->d_name + std::strlen(entry->d_name), pid);
    while (const dirent* fd = ::readdir(fds)) {
      if (!allDigits(fd->d_name)) continue;
      auto target = readLink(fdDir + "/" + fd->d_name);
      if (!target || target->compare(0, prefix.size(), prefix) != 0) continue;
      const uint64_t inode = std::strtoull(target->c_str() + prefix.size(), nullptr, 10);
      processOfInode_.emplace(inode, pid);
    }
    ::closedir(fds);
  }
  ::closedir(proc);
}

std::string SockDiagResolver::applicationOf(uint64_t inode) {
  if (inode == 0) return "unknown";
  auto it = processOfInode_.find(inode);
  if (it == processOfInode_.end() &&
      (!scanned_ || std::chrono::steady_clock::now() - lastScan_ >= minRescanInterval_)) {
    rescanProcesses();
    it = processOfInode_.find(inode);
  }
  if (it == processOfInode_.end()) return "unknown";
  auto app = applicationOfPid_.find(it->second);
  if (app == applicationOfPid_.end()) {
    app = applicationOfPid_.emplace(it->second, processName(it->second)).first;
  }
  return app->second;
}

std::string SockDiagResolver::userName(uint32_t uid) {
  auto it = userOfUid_.find(uid);
  if (it != userOfUid_.end()) return it->second;
  std::string name = std::to_string(uid);
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  userOfUid_.emplace(uid, name);
  return name;
}

std::optional<SocketOwner> SockDiagResolver::lookup(const SocketEndpoints& flow) {
  auto socket = findSocket(flow);
  if (!socket) return std::nullopt;
  return SocketOwner{applicationOf(socket->inode), userName(socket->uid)};
}

std::unique_ptr<SocketOwnerResolver> makeSocketOwnerResolver() {
  return std::make_unique<SockDiagResolver>();
}

}  // namespace tillid::platform
