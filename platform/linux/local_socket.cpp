#include "platform/local_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/logging.h"
#include "platform/linux/posix_error.h"
#include "platform/linux/posix_io.h"
#include "platform/linux/uid_account.h"

namespace tillid::platform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRequest = 4096;
constexpr auto kConnectionDeadline = std::chrono::seconds(10);
constexpr int kWorkers = 4;
constexpr int kMaxActivePerPeer = 2;  // workers one account may hold at once
constexpr int kMaxHeldPerPeer = 32;   // connections of one account waiting or served
constexpr size_t kMaxHeld = 128;      // connections waiting or served in all
constexpr int kBacklog = 128;
constexpr auto kRetryFor = std::chrono::seconds(10);
constexpr auto kFirstPause = std::chrono::milliseconds(20);
constexpr auto kLongestPause = std::chrono::milliseconds(500);

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

// Waits for `events` on a non-blocking `fd` until `deadline`; false when it passed.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds{fd, events, 0};
    const int n = ::poll(&fds, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n > 0) return true;
  }
}

enum class Transfer { kDone, kClosed, kTimedOut };

// Sends all of `data` on a non-blocking `fd` by `deadline`.
Transfer sendAll(int fd, const std::string& data, Clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd, POLLOUT, deadline)) return Transfer::kTimedOut;
    } else {
      return Transfer::kClosed;
    }
  }
  return Transfer::kDone;
}

// Appends what arrives on a non-blocking `fd` to `into` until `enough` says so, the peer
// closes, or `deadline`.
template <typename Enough>
Transfer receive(int fd, std::string& into, Clock::time_point deadline, Enough enough) {
  char buffer[16384];
  while (!enough(into)) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd, POLLIN, deadline)) return Transfer::kTimedOut;
    } else {  // the peer closed, or the connection failed
      return Transfer::kClosed;
    }
  }
  return Transfer::kDone;
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

struct Connection {
  UniqueFd fd;
  ucred peer{};
};

// One thread accepts and sorts connections by account; kWorkers threads serve them. A
// worker takes the oldest waiting connection whose account holds fewer than
// kMaxActivePerPeer workers, so one account's slow connections leave the others free.
class UnixSocketServer final : public LocalSocketServer {
 public:
  UnixSocketServer(UniqueFd listener, UniqueFd wakeRead, UniqueFd wakeWrite, std::string path,
                   Handler handler)
      : listener_(std::move(listener)),
        wakeRead_(std::move(wakeRead)),
        wakeWrite_(std::move(wakeWrite)),
        path_(std::move(path)),
        handler_(std::move(handler)) {
    acceptor_ = std::thread([this] { acceptLoop(); });
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { workLoop(); });
  }
  ~UnixSocketServer() override { stop(); }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    const char byte = 1;
    (void)!::write(wakeWrite_.get(), &byte, 1);
    work_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
    ::unlink(path_.c_str());
  }

 private:
  void acceptLoop() {
    while (true) {
      pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wakeRead_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        logger("agent").error(posixError("local socket poll", errno).message());
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) return;
      if ((fds[0].revents & POLLIN) != 0) acceptOne();
    }
  }

  void acceptOne() {
    Connection connection{
        UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK))};
    if (connection.fd.get() < 0) return;
    socklen_t size = sizeof connection.peer;
    if (::getsockopt(connection.fd.get(), SOL_SOCKET, SO_PEERCRED, &connection.peer, &size) != 0) {
      return;
    }
    std::lock_guard lock(mutex_);
    int& held = held_[connection.peer.uid];
    if (held >= kMaxHeldPerPeer || heldInAll_ >= kMaxHeld) {
      if (held == 0) held_.erase(connection.peer.uid);
      return;  // closed without an answer: busy, the client asks again
    }
    ++held;
    ++heldInAll_;
    waiting_.push_back(std::move(connection));
    work_.notify_one();
  }

  void workLoop() {
    std::unique_lock lock(mutex_);
    while (true) {
      auto next = waiting_.end();
      work_.wait(lock, [&] {
        next = std::find_if(waiting_.begin(), waiting_.end(), [&](const Connection& c) {
          const auto found = active_.find(c.peer.uid);
          return found == active_.end() || found->second < kMaxActivePerPeer;
        });
        return stopped_ || next != waiting_.end();
      });
      if (stopped_) return;
      Connection connection = std::move(*next);
      waiting_.erase(next);
      const uint32_t uid = connection.peer.uid;
      ++active_[uid];
      lock.unlock();
      serve(connection);
      connection.fd.reset();
      lock.lock();
      if (--active_[uid] == 0) active_.erase(uid);
      if (--held_[uid] == 0) held_.erase(uid);
      --heldInAll_;
      work_.notify_all();
    }
  }

  void serve(const Connection& connection) {
    const auto deadline = Clock::now() + kConnectionDeadline;
    const int fd = connection.fd.get();
    std::string request;
    (void)receive(fd, request, deadline, [](const std::string& got) {
      return got.find('\n') != std::string::npos || got.size() > kMaxRequest;
    });
    const auto end = request.find('\n');
    if (end == std::string::npos) return;  // too long, too slow, or the peer gave up
    request.resize(end);
    const ucred& c = connection.peer;
    PeerCredentials peer{accountIdOfUid(c.uid), c.pid, userName(c.uid)};
    std::string answer;
    try {
      answer = handler_(peer, request);
    } catch (const std::exception& e) {
      answer = std::string("error: ") + e.what() + "\n";
    }
    (void)sendAll(fd, answer, deadline);
  }

  UniqueFd listener_;
  UniqueFd wakeRead_;
  UniqueFd wakeWrite_;
  const std::string path_;
  const Handler handler_;
  std::mutex mutex_;
  std::condition_variable work_;              // a connection waits, a worker freed, or stop
  bool stopped_ = false;                      // GUARDED_BY(mutex_)
  std::deque<Connection> waiting_;            // GUARDED_BY(mutex_): oldest first
  std::unordered_map<uint32_t, int> active_;  // GUARDED_BY(mutex_): workers per account
  std::unordered_map<uint32_t, int> held_;    // GUARDED_BY(mutex_): waiting + served
  size_t heldInAll_ = 0;                      // GUARDED_BY(mutex_)
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

enum class Attempt { kAnswered, kRetry, kFailed };

// One connection: the answer, or why there is none and whether asking again may help.
Attempt askOnce(const sockaddr_un& address, const std::string& path, const std::string& line,
                Clock::time_point deadline, std::string& answer, Status& why) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) {
    why = posixError("socket", errno);
    return Attempt::kFailed;
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int e = errno;
    if (e == ENOENT || e == ECONNREFUSED) {
      why = Status::error(ErrorCode::kUnavailable,
                          "the agent is not running (nothing listens on " + path + ")");
      return e == ECONNREFUSED ? Attempt::kRetry : Attempt::kFailed;
    }
    if (e == EAGAIN) {
      why = Status::error(ErrorCode::kUnavailable, "the agent is busy (" + path + ")");
      return Attempt::kRetry;
    }
    why = posixError("connect " + path, e);
    return Attempt::kFailed;
  }
  const Transfer sent = sendAll(fd.get(), line, deadline);
  const Transfer received =
      sent == Transfer::kDone
          ? receive(fd.get(), answer, deadline, [](const std::string&) { return false; })
          : sent;
  if (received == Transfer::kTimedOut) {
    why = Status::error(ErrorCode::kUnavailable, "the agent did not answer in time (" + path + ")");
    return Attempt::kFailed;
  }
  if (answer.empty()) {
    why = Status::error(ErrorCode::kUnavailable, "the agent is busy (" + path + ")");
    return Attempt::kRetry;
  }
  return Attempt::kAnswered;
}

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
  if (::listen(listener.get(), kBacklog) != 0) return posixError("listen " + path, errno);
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return posixError("pipe", errno);
  return std::unique_ptr<LocalSocketServer>(new UnixSocketServer(
      std::move(listener), UniqueFd(pipeFds[0]), UniqueFd(pipeFds[1]), path, std::move(handler)));
}

Result<std::string> askLocalSocket(const std::string& path, const std::string& request,
                                   std::chrono::seconds timeout) {
  auto address = addressOf(path);
  if (!address) return address.status();
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const auto retryUntil = start + std::min<Clock::duration>(timeout, kRetryFor);
  std::chrono::milliseconds pause = kFirstPause;
  while (true) {
    std::string answer;
    Status why;
    const Attempt attempt = askOnce(*address, path, request + "\n", deadline, answer, why);
    if (attempt == Attempt::kAnswered) return answer;
    if (attempt == Attempt::kFailed || Clock::now() + pause > retryUntil) return why;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kLongestPause);
  }
}

}  // namespace tillid::platform
