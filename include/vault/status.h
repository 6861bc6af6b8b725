// Status and StatusOr<T>: the one result type of Transcript Vault.
//
// Every fallible function returns a Status (or StatusOr<T>); no exception
// crosses a module boundary. Library errors (rocksdb::Status, Boost, std
// exceptions) are converted at the edge of the module that calls them.
//
// A Status carries a Code (what kind of failure, mapped to an HTTP status by
// the server), a stable machine-readable `reason` (the JSON error code, e.g.
// "transcript_closed") and a human message. Messages must never contain
// transcript content, visitor data or key bytes: they are logged and sent to
// clients.
//
// Thread safety: Status and StatusOr are values; distinct objects may be used
// from different threads without synchronisation.
#ifndef VAULT_STATUS_H_
#define VAULT_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vault {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // malformed or out-of-range input        -> 400
    kNotFound,            // no such object                         -> 404
    kAlreadyExists,       // conflicting duplicate                  -> 409
    kFailedPrecondition,  // object is in the wrong state           -> 409
    kGone,                // existed, now destroyed (shredded)      -> 410
    kPermissionDenied,    // caller may not do this                 -> 403
    kResourceExhausted,   // a cap was exceeded                     -> 413/429
    kCorruption,          // stored bytes failed authentication     -> 500
    kIOError,             // the operating system or store failed   -> 503
    kUnavailable,         // temporarily cannot serve               -> 503
    kInternal,            // a bug                                  -> 500
    kInsufficientStorage, // too little free disk space to accept   -> 507
                          // this (a configured reserve is kept)
  };

  Status() = default;  // OK
  Status(Code code, std::string message, std::string reason = "")
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m, std::string r = "invalid_argument") {
    return Status(Code::kInvalidArgument, std::move(m), std::move(r));
  }
  static Status NotFound(std::string m, std::string r = "not_found") {
    return Status(Code::kNotFound, std::move(m), std::move(r));
  }
  static Status AlreadyExists(std::string m, std::string r = "conflict") {
    return Status(Code::kAlreadyExists, std::move(m), std::move(r));
  }
  static Status FailedPrecondition(std::string m, std::string r = "failed_precondition") {
    return Status(Code::kFailedPrecondition, std::move(m), std::move(r));
  }
  static Status Gone(std::string m, std::string r = "gone") {
    return Status(Code::kGone, std::move(m), std::move(r));
  }
  static Status PermissionDenied(std::string m, std::string r = "forbidden") {
    return Status(Code::kPermissionDenied, std::move(m), std::move(r));
  }
  static Status ResourceExhausted(std::string m, std::string r = "too_large") {
    return Status(Code::kResourceExhausted, std::move(m), std::move(r));
  }
  static Status Corruption(std::string m, std::string r = "corruption") {
    return Status(Code::kCorruption, std::move(m), std::move(r));
  }
  static Status IOError(std::string m, std::string r = "io_error") {
    return Status(Code::kIOError, std::move(m), std::move(r));
  }
  static Status Unavailable(std::string m, std::string r = "unavailable") {
    return Status(Code::kUnavailable, std::move(m), std::move(r));
  }
  static Status Internal(std::string m, std::string r = "internal") {
    return Status(Code::kInternal, std::move(m), std::move(r));
  }
  static Status InsufficientStorage(std::string m, std::string r = "insufficient_storage") {
    return Status(Code::kInsufficientStorage, std::move(m), std::move(r));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Stable, machine-readable error code; "" for OK.
  const std::string& reason() const { return reason_; }
  // "Corruption: record failed authentication" style, for logs and tests.
  std::string ToString() const;
  static const char* CodeName(Code code);

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string reason_;
};

// Either a value or a non-OK Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok());
    if (status_.ok()) status_ = Status::Internal("OK status given to StatusOr without a value");
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace vault

// Early return on error; for use inside functions returning Status or StatusOr.
#define VAULT_RETURN_IF_ERROR(expr)             \
  do {                                          \
    ::vault::Status _vault_status = (expr);     \
    if (!_vault_status.ok()) return _vault_status; \
  } while (0)

#define VAULT_CONCAT_INNER_(a, b) a##b
#define VAULT_CONCAT_(a, b) VAULT_CONCAT_INNER_(a, b)
#define VAULT_ASSIGN_OR_RETURN(lhs, expr) \
  VAULT_ASSIGN_OR_RETURN_IMPL_(VAULT_CONCAT_(_vault_statusor_, __LINE__), lhs, expr)
#define VAULT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // VAULT_STATUS_H_
