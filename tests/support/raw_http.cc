#include "tests/support/raw_http.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tests/support/response_recorder.h"

namespace vault::testing {

namespace {

using Clock = std::chrono::steady_clock;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

}  // namespace

StatusOr<RawConnection> RawConnection::Open(const std::string& socket_path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int saved = errno;
    close(fd);
    return Status::Unavailable("connect " + socket_path + ": " + std::strerror(saved));
  }
  return RawConnection(fd);
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(other.fd_), pending_(std::move(other.pending_)) {
  other.fd_ = -1;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

Status RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::string("send: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status RawConnection::ShutdownWrite() {
  if (shutdown(fd_, SHUT_WR) != 0) {
    return Status::IOError(std::string("shutdown: ") + std::strerror(errno));
  }
  return Status::OK();
}

StatusOr<bool> RawConnection::ReadMore(Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd fd = {fd_, POLLIN, 0};
    const int ready = poll(&fd, 1, left < 0 ? 0 : static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return Status::Unavailable("timed out waiting for the server");
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }
}

StatusOr<std::string> RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const size_t header_end = pending_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      const std::string header = pending_.substr(0, header_end + 4);
      const std::string length = HeaderOf(header, "Content-Length");
      const size_t total = header.size() + (length.empty() ? 0 : std::stoul(length));
      // A 100 Continue interim response is returned like any other.
      if (pending_.size() >= total) {
        std::string response = pending_.substr(0, total);
        pending_.erase(0, total);
        if (record_method_.empty()) {
          RecordRawResponse(response);
        } else {
          RecordResponse(record_method_, record_target_, response);
          record_method_.clear();
        }
        return response;
      }
    }
    VAULT_ASSIGN_OR_RETURN(bool more, ReadMore(deadline));
    if (!more) return Status::Unavailable("connection closed before a full response");
  }
}

StatusOr<std::string> RawConnection::ReadUntilClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    VAULT_ASSIGN_OR_RETURN(bool more, ReadMore(deadline));
    if (!more) break;
  }
  std::string all = std::move(pending_);
  pending_.clear();
  return all;
}

int StatusCodeOf(std::string_view response) {
  if (response.substr(0, 5) != "HTTP/" || response.size() < 12) return 0;
  const size_t space = response.find(' ');
  if (space == std::string_view::npos || space + 4 > response.size()) return 0;
  return std::atoi(std::string(response.substr(space + 1, 3)).c_str());
}

std::string BodyOf(std::string_view response) {
  const size_t header_end = response.find("\r\n\r\n");
  return header_end == std::string_view::npos ? "" : std::string(response.substr(header_end + 4));
}

std::string HeaderOf(std::string_view response, std::string_view name) {
  size_t line_start = response.find("\r\n");
  while (line_start != std::string_view::npos) {
    line_start += 2;
    const size_t line_end = response.find("\r\n", line_start);
    if (line_end == std::string_view::npos || line_end == line_start) break;
    const std::string_view line = response.substr(line_start, line_end - line_start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && EqualsIgnoreCase(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    line_start = line_end;
  }
  return "";
}

}  // namespace vault::testing
