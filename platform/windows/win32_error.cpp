#include "platform/windows/win32_error.h"

namespace tillid::platform {

Status win32Error(const std::string& what, DWORD error) {
  ErrorCode code = ErrorCode::kIo;
  if (error == ERROR_ACCESS_DENIED || error == ERROR_PRIVILEGE_NOT_HELD) {
    code = ErrorCode::kPermission;
  }
  if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) code = ErrorCode::kNotFound;
  if (error == ERROR_DISK_FULL || error == ERROR_HANDLE_DISK_FULL) code = ErrorCode::kNoSpace;
  char* text = nullptr;
  const DWORD length = FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = length ? std::string(text, length) : "error " + std::to_string(error);
  LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == ' ' || message.back() == '.')) {
    message.pop_back();
  }
  return Status::error(code, what + ": " + message);
}

}  // namespace tillid::platform
