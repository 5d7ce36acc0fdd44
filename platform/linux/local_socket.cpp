#include "platform/local_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "agent/core/logging.h"
#include "platform/linux/posix_error.h"
#include "platform/linux/posix_io.h"

namespace tillid::platform {
namespace {

constexpr size_t kMaxRequest = 4096;

Result<sockaddr_un> addressOf(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "socket path must be 1.." + std::to_string(sizeof address.sun_path - 1) +
                             " characters: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

void setTimeouts(int fd, std::chrono::seconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string userName(uint32_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

class UnixSocketServer final : public LocalSocketServer {
 public:
  UnixSocketServer(UniqueFd listener, UniqueFd wakeRead, UniqueFd wakeWrite, std::string path,
                   Handler handler)
      : listener_(std::move(listener)),
        wakeRead_(std::move(wakeRead)),
        wakeWrite_(std::move(wakeWrite)),
        path_(std::move(path)),
        handler_(std::move(handler)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~UnixSocketServer() override { stop(); }

  void stop() override {
    if (stopped_.exchange(true)) return;
    const char byte = 1;
    (void)!::write(wakeWrite_.get(), &byte, 1);
    if (thread_.joinable()) thread_.join();
    ::unlink(path_.c_str());
  }

 private:
  void loop() {
    while (!stopped_) {
      pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wakeRead_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        logger("agent").error(posixError("local socket poll", errno).message());
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) return;
      if ((fds[0].revents & POLLIN) != 0) serveOne();
    }
  }

  void serveOne() {
    UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (connection.get() < 0) return;
    setTimeouts(connection.get(), std::chrono::seconds(5));
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(connection.get(), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return;
    std::string request;
    char buffer[512];
    while (request.find('\n') == std::string::npos && request.size() <= kMaxRequest) {
      const ssize_t n = ::recv(connection.get(), buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
    const auto end = request.find('\n');
    if (end == std::string::npos) return;  // too long, or the peer gave up: no answer
    request.resize(end);
    PeerCredentials peer{credentials.uid, credentials.gid, credentials.pid,
                         userName(credentials.uid)};
    std::string answer;
    try {
      answer = handler_(peer, request);
    } catch (const std::exception& e) {
      answer = std::string("error: ") + e.what() + "\n";
    }
    (void)writeAll(connection.get(), answer);
  }

  UniqueFd listener_;
  UniqueFd wakeRead_;
  UniqueFd wakeWrite_;
  const std::string path_;
  const Handler handler_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<LocalSocketServer>> listenLocalSocket(const std::string& path,
                                                             LocalSocketServer::Handler handler) {
  auto address = addressOf(path);
  if (!address) return address.status();
  std::error_code error;
  const auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty() && !std::filesystem::exists(directory, error)) {
    std::filesystem::create_directories(directory, error);
    if (error) {
      return Status::error(ErrorCode::kIo,
                           "cannot create " + directory.string() + ": " + error.message());
    }
    ::chmod(directory.c_str(), 0755);
  }
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return posixError("socket", errno);
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return Status::error(ErrorCode::kConflict, path + " exists and is not a socket");
    }
    // A socket someone still listens on is theirs; only a stale one is replaced.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.get() >= 0 && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*address),
                                      sizeof *address) == 0) {
      return Status::error(ErrorCode::kConflict, "another process serves " + path);
    }
    ::unlink(path.c_str());
  }
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    return posixError("bind " + path, errno);
  }
  if (::chmod(path.c_str(), 0666) != 0) return posixError("chmod " + path, errno);
  if (::listen(listener.get(), 16) != 0) return posixError("listen " + path, errno);
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return posixError("pipe", errno);
  return std::unique_ptr<LocalSocketServer>(new UnixSocketServer(
      std::move(listener), UniqueFd(pipeFds[0]), UniqueFd(pipeFds[1]), path, std::move(handler)));
}

Result<std::string> askLocalSocket(const std::string& path, const std::string& request,
                                   std::chrono::seconds timeout) {
  auto address = addressOf(path);
  if (!address) return address.status();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return posixError("socket", errno);
  setTimeouts(fd.get(), timeout);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    const int e = errno;
    if (e == ENOENT || e == ECONNREFUSED) {
      return Status::error(ErrorCode::kUnavailable,
                           "the agent is not running (nothing listens on " + path + ")");
    }
    return posixError("connect " + path, e);
  }
  if (!writeAll(fd.get(), request + "\n")) return posixError("send to " + path, errno);
  std::string answer;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return posixError("receive from " + path, errno);
    if (n == 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return answer;
}

}  // namespace tillid::platform
