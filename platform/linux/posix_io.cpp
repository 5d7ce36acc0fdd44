#include "platform/linux/posix_io.h"

#include <unistd.h>

#include <cerrno>

#include "platform/linux/posix_error.h"

namespace tillid::platform {

UniqueFd::~UniqueFd() {
  reset();
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset(other.fd_);
    other.fd_ = -1;
  }
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

// Calls transfer(done) (which moves bytes from `done` on) until `length` bytes moved.
template <typename Transfer>
Status transferFully(size_t length, const std::string& what, Transfer transfer) {
  for (size_t done = 0; done < length;) {
    const ssize_t n = transfer(done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return posixError(what, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Status readFullyAt(int fd, uint8_t* data, size_t length, uint64_t offset, const std::string& what) {
  return transferFully(length, what, [&](size_t done) {
    return ::pread(fd, data + done, length - done, static_cast<off_t>(offset + done));
  });
}

Status writeFullyAt(int fd, const uint8_t* data, size_t length, uint64_t offset,
                    const std::string& what) {
  return transferFully(length, what, [&](size_t done) {
    return ::pwrite(fd, data + done, length - done, static_cast<off_t>(offset + done));
  });
}

}  // namespace tillid::platform
