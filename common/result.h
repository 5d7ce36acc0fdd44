#pragma once
// Status and Result<T>: expected failures as values (leveldb's Status, osquery's
// Expected). Exceptions are kept for programming errors and process boundaries.

#include <string>
#include <utility>
#include <variant>

namespace tillid {

enum class ErrorCode {
  kInvalidArgument,  // the caller passed something malformed or out of range
  kNotFound,         // a file, row or key that should exist does not
  kIo,               // the operating system or a library failed an I/O operation
  kNoSpace,          // the disk (or the database's size limit) is full; may pass later
  kCorrupt,          // stored data failed an integrity check
  kUnavailable,      // a peer or resource is temporarily unreachable; retrying may help
  kPermission,       // the caller lacks the rights for the operation
  kConflict,         // the operation clashes with existing state (e.g. already running)
  kInternal,         // an invariant failed in a library we call
};

const char* errorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  static Status ok() { return Status(); }
  static Status error(ErrorCode code, std::string message) {
    return Status(code, std::move(message));
  }

  Status() = default;

  bool isOk() const { return !failed_; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<message>" for errors, "ok" otherwise; the message already says what failed.
  std::string toString() const { return failed_ ? message_ : "ok"; }

  // Returns a copy whose message is prefixed with context ("opening store: ...").
  Status withContext(const std::string& context) const {
    return failed_ ? Status(code_, context + ": " + message_) : *this;
  }

 private:
  Status(ErrorCode code, std::string message)
      : failed_(true), code_(code), message_(std::move(message)) {}

  bool failed_ = false;
  ErrorCode code_ = ErrorCode::kInternal;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(data_).isOk()) {
      data_ = Status::error(ErrorCode::kInternal, "Result built from an ok Status");
    }
  }

  bool isOk() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return isOk(); }

  // REQUIRES: isOk().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error, or ok() when a value is held.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(data_); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace tillid

// Returns early from a function returning Status or Result when `expr` failed.
#define TILLID_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::tillid::Status tillid_status_ = (expr); \
    if (!tillid_status_.isOk()) {             \
      return tillid_status_;                  \
    }                                         \
  } while (false)
