#include "platform/socket_owner_resolver.h"

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

using namespace tillid;

namespace {

std::string thisExecutable() {
  return std::filesystem::read_symlink("/proc/self/exe").filename().string();
}

std::string thisUser() {
  const passwd* entry = ::getpwuid(::getuid());
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

platform::SocketEndpoints flow(uint8_t protocol, const Poco::Net::SocketAddress& local,
                               const Poco::Net::SocketAddress& remote) {
  platform::SocketEndpoints info;
  info.ipVersion = local.family() == Poco::Net::AddressFamily::IPv4 ? 4 : 6;
  info.protocol = protocol;
  info.localAddress = local.host().toString();
  info.localPort = local.port();
  info.remoteAddress = remote.host().toString();
  info.remotePort = remote.port();
  return info;
}

}  // namespace

TEST_CASE("a loopback TCP connection is attributed to this program and user",
          "[platform][socket-owner][network]") {
  Poco::Net::ServerSocket server(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket client(server.address());
  Poco::Net::StreamSocket accepted = server.acceptConnection();

  auto resolver = platform::makeSocketOwnerResolver();
  // Both ends are this process: the client's flow and the server's.
  for (const auto& info : {flow(6, client.address(), client.peerAddress()),
                           flow(6, accepted.address(), accepted.peerAddress())}) {
    INFO(info.localAddress << ":" << info.localPort << " -> " << info.remoteAddress << ":"
                           << info.remotePort);
    auto owner = resolver->lookup(info);
    REQUIRE(owner.has_value());
    CHECK(owner->application == thisExecutable());
    CHECK(owner->user == thisUser());
  }

  // No socket has this 5-tuple once the connection is closed and gone.
  platform::SocketEndpoints gone = flow(6, client.address(), client.peerAddress());
  gone.remotePort = static_cast<uint16_t>(gone.remotePort ^ 0x5a5a);
  CHECK_FALSE(resolver->lookup(gone).has_value());
}

TEST_CASE("a UDP socket is attributed, connected or not", "[platform][socket-owner][network]") {
  Poco::Net::DatagramSocket receiver(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::DatagramSocket sender(Poco::Net::SocketAddress("127.0.0.1", 0));
  sender.connect(receiver.address());
  auto resolver = platform::makeSocketOwnerResolver();

  auto connected = resolver->lookup(flow(17, sender.address(), receiver.address()));
  REQUIRE(connected.has_value());
  CHECK(connected->application == thisExecutable());
  CHECK(connected->user == thisUser());

  // The receiver is bound but not connected: any peer's flow to its port is its own.
  auto bound = resolver->lookup(flow(17, receiver.address(), sender.address()));
  REQUIRE(bound.has_value());
  CHECK(bound->application == thisExecutable());
}
