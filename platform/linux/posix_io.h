#pragma once
// File descriptors and whole-buffer positioned I/O for the Linux implementations: one
// owner type and one retry loop (EINTR, short transfers) instead of one per file.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace tillid::platform {

// Owns a file descriptor (negative: none) and closes it. Movable, not copyable.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  void reset(int fd = -1);

 private:
  int fd_;
};

// pread/pwrite of exactly `length` bytes at `offset`, retried after EINTR and short
// transfers. An error names `what` ("reading /dev/loop3"); end of file while reading is
// an I/O error.
Status readFullyAt(int fd, uint8_t* data, size_t length, uint64_t offset, const std::string& what);
Status writeFullyAt(int fd, const uint8_t* data, size_t length, uint64_t offset,
                    const std::string& what);

}  // namespace tillid::platform
