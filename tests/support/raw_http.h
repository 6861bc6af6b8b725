// RawConnection: bytes over a Unix socket, for tests that must send what no
// well-behaved client would (malformed HTTP, oversized headers, pipelining)
// and observe exactly when the server closes the connection.
//
// Every read is bounded by a timeout through poll(); nothing sleeps.
#ifndef VAULT_TESTS_SUPPORT_RAW_HTTP_H_
#define VAULT_TESTS_SUPPORT_RAW_HTTP_H_

#include <chrono>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault::testing {

class RawConnection {
 public:
  static StatusOr<RawConnection> Open(const std::string& socket_path);
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  ~RawConnection();

  Status Send(std::string_view bytes);
  // Half-closes: the server reads end-of-stream, and this side can still read.
  Status ShutdownWrite();
  // Names the request the next response answers, so that the response
  // recorder (response_recorder.h) checks it against that route's schema
  // rather than against the error schema alone.
  void RecordAs(std::string_view method, std::string_view target) {
    record_method_ = method;
    record_target_ = target;
  }
  // Reads one HTTP response (header and a Content-Length body).
  StatusOr<std::string> ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Reads until the server closes the connection; everything received.
  StatusOr<std::string> ReadUntilClose(
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  // Appends what arrives to pending_; false on EOF or error, Unavailable on timeout.
  StatusOr<bool> ReadMore(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
  std::string record_method_;
  std::string record_target_;
};

// The status code of a raw HTTP response ("HTTP/1.1 404 ..." -> 404), or 0.
int StatusCodeOf(std::string_view response);
// The body of a raw HTTP response (after the blank line).
std::string BodyOf(std::string_view response);
// The value of header `name` (any case) in a raw HTTP response, or "".
std::string HeaderOf(std::string_view response, std::string_view name);

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_RAW_HTTP_H_
