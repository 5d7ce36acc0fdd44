#include "platform/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace tillid::platform {
namespace {

class FlockInstanceLock final : public InstanceLock {
 public:
  explicit FlockInstanceLock(int fd) : fd_(fd) {}
  ~FlockInstanceLock() override { ::close(fd_); }  // closing releases the lock

 private:
  int fd_;
};

std::optional<int> readPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return std::nullopt;
  int pid = 0;
  const auto parsed = std::from_chars(buffer, buffer + n, pid);
  if (parsed.ec != std::errc()) return std::nullopt;
  return pid;
}

}  // namespace

Result<std::unique_ptr<InstanceLock>> acquireInstanceLock(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::error(ErrorCode::kIo, "opening " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const auto holder = readPid(fd);
    ::close(fd);
    return Status::error(ErrorCode::kConflict, "another agent (pid " +
                                                   (holder ? std::to_string(*holder) : "?") +
                                                   ") is running with this state directory");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    ::close(fd);
    return Status::error(ErrorCode::kIo, "writing " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<InstanceLock>(new FlockInstanceLock(fd));
}

std::optional<int> instanceLockHolder(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<int> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    holder = readPid(fd);
    if (!holder) holder = 0;
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return holder;
}

}  // namespace tillid::platform
