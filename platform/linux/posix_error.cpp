#include "platform/linux/posix_error.h"

#include <cerrno>
#include <cstring>

namespace tillid::platform {

Status posixError(const std::string& what, int errnum) {
  ErrorCode code = ErrorCode::kIo;
  if (errnum == EACCES || errnum == EPERM) code = ErrorCode::kPermission;
  if (errnum == ENOENT) code = ErrorCode::kNotFound;
  return Status::error(code, what + ": " + std::strerror(errnum));
}

}  // namespace tillid::platform
