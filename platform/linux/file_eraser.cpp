#include "platform/file_eraser.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "platform/linux/posix_error.h"
#include "platform/linux/posix_io.h"

namespace tillid::platform {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

// Overwrites the open file with zeros over its whole size, syncs, and reads it back.
Status overwriteAndCheck(int fd, uint64_t size, const std::string& name) {
  std::vector<char> zeros(kChunkBytes, 0);
  for (uint64_t offset = 0; offset < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size - offset));
    const ssize_t written = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return posixError("overwriting " + name, errno);
    }
    offset += static_cast<uint64_t>(written);
  }
  if (::fsync(fd) != 0) return posixError("syncing " + name, errno);
  std::vector<char> back(kChunkBytes);
  for (uint64_t offset = 0; offset < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size - offset));
    const ssize_t got = ::pread(fd, back.data(), n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return posixError("reading back " + name, got < 0 ? errno : EIO);
    if (std::memcmp(back.data(), zeros.data(), static_cast<size_t>(got)) != 0) {
      return Status::error(ErrorCode::kCorrupt, "read-back of " + name + " is not all zeros");
    }
    offset += static_cast<uint64_t>(got);
  }
  return Status::ok();
}

class TreeEraser {
 public:
  TreeEraser(dev_t device, FileEraseReport& report) : device_(device), report_(report) {}

  // Erases entry `name` in the directory `dirFd`; `shown` names it in messages.
  Status eraseEntry(int dirFd, const std::string& name, const std::string& shown) {
    struct stat st {};
    if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return Status::ok();
      return posixError("examining " + shown, errno);
    }
    if (S_ISDIR(st.st_mode)) return eraseDirectory(dirFd, name, shown, st);
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        ++report_.hardLinkedFiles;
      } else {
        UniqueFd fd(::openat(dirFd, name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0) return posixError("opening " + shown, errno);
        struct stat opened {};
        if (::fstat(fd.get(), &opened) != 0) return posixError("examining " + shown, errno);
        // The entry must still be the file examined above (no swap in between).
        if (opened.st_ino != st.st_ino || opened.st_dev != st.st_dev) {
          return Status::error(ErrorCode::kConflict, shown + " changed while being erased");
        }
        TILLID_RETURN_IF_ERROR(
            overwriteAndCheck(fd.get(), static_cast<uint64_t>(opened.st_size), shown));
        ++report_.files;
        report_.bytesOverwritten += static_cast<uint64_t>(opened.st_size);
      }
    } else if (S_ISLNK(st.st_mode)) {
      ++report_.symlinks;
    } else {
      ++report_.otherEntries;
    }
    if (::unlinkat(dirFd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return posixError("unlinking " + shown, errno);
    }
    return Status::ok();
  }

 private:
  Status eraseDirectory(int parentFd, const std::string& name, const std::string& shown,
                        const struct stat& st) {
    if (st.st_dev != device_) {
      return Status::error(ErrorCode::kPermission,
                           "refusing to cross into another file system at " + shown);
    }
    const int fd =
        ::openat(parentFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return posixError("opening directory " + shown, errno);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      const int error = errno;
      ::close(fd);
      return posixError("reading directory " + shown, error);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string child = entry->d_name;
      if (child != "." && child != "..") names.push_back(child);
    }
    Status status;
    for (const auto& child : names) {
      status = eraseEntry(::dirfd(dir), child, shown + "/" + child);
      if (!status) break;
    }
    ::closedir(dir);
    TILLID_RETURN_IF_ERROR(status);
    if (::unlinkat(parentFd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return posixError("removing directory " + shown, errno);
    }
    ++report_.directories;
    return Status::ok();
  }

  dev_t device_;
  FileEraseReport& report_;
};

std::string parentOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<FileEraseReport> eraseTree(const std::string& path, const TargetList& targets) {
  TILLID_RETURN_IF_ERROR(targets.permits(path));
  FileEraseReport report;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return report;
    return posixError("examining " + path, errno);
  }
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const std::string parent = parentOf(trimmed);
  const std::string name = trimmed.substr(trimmed.find_last_of('/') + 1);
  UniqueFd parentFd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parentFd.get() < 0) return posixError("opening " + parent, errno);
  TreeEraser eraser(st.st_dev, report);
  TILLID_RETURN_IF_ERROR(eraser.eraseEntry(parentFd.get(), name, trimmed));
  if (::fsync(parentFd.get()) != 0) return posixError("syncing " + parent, errno);
  return report;
}

Status verifyErased(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return Status::error(ErrorCode::kCorrupt, path + " still exists after its erase");
  }
  if (errno != ENOENT) return posixError("examining " + path, errno);
  return Status::ok();
}

}  // namespace tillid::platform
