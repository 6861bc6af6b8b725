#include "vault/client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <memory>
#include <mutex>

#include "vault/common/file_util.h"
#include "vault/wire/http_error.h"
#include "vault/wire/http_syntax.h"
#include "vault/wire/json_util.h"
#include "vault/wire/request_json.h"
#include "vault/wire/response_json.h"
#include "vault/wire/rights_json.h"
#include "vault/wire/safeguard_json.h"
#include "vault/wire/stats_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using wire::BadResponse;
using wire::DecodeAppended;
using wire::DecodeClosed;
using wire::DecodeCreated;
using wire::DecodeTranscript;
using wire::EncodeMessage;
using wire::EncodeNewTranscript;

namespace {

// The reply observer: replaced under the mutex, called through a copy of
// the pointer so that a call in progress keeps the one it started with.
std::mutex observer_mu;
std::shared_ptr<const ReplyObserver> observer;

std::shared_ptr<const ReplyObserver> Observer() {
  const std::lock_guard<std::mutex> lock(observer_mu);
  return observer;
}

// A header value that cannot end the header early.
bool IsHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// A request target: visible ASCII, no spaces (RFC 9112 section 3.2).
bool IsRequestTarget(std::string_view target) {
  if (target.empty()) return false;
  for (char c : target) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// The longest timeout honoured (a larger one is this): deadlines and the
// kernel's timeouts are computed from it without overflow.
constexpr std::chrono::milliseconds kLongestTimeout = std::chrono::hours(24 * 365);

constexpr std::string_view kJson = "application/json";

// Ids are 32 lowercase hex characters; anything else cannot name a transcript
// (and could corrupt the request line), so it is answered locally.
bool IsTranscriptId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status NoSuchTranscript() { return Status::NotFound("no such transcript", "not_found"); }

// Whether a request may be sent again on a fresh connection after the
// reused one failed before any response (see client.h).
bool Repeatable(http::verb verb, std::string_view target) {
  const auto starts = [&](std::string_view prefix) {
    return target.substr(0, prefix.size()) == prefix;
  };
  const auto ends = [&](std::string_view suffix) {
    return target.size() >= suffix.size() && target.substr(target.size() - suffix.size()) == suffix;
  };
  if (target == "/v1/transcripts" || target == "/v1/backup" || target == "/v1/requests" ||
      ends("/approvals")) {
    return false;
  }
  // Visitors' rights: a repeat could register a second entry, attach a
  // second statement, or answer 409 for a change that was made.
  const bool rights =
      starts("/v1/rights-requests") || starts("/v1/subject-") || ends("/statements");
  return !(verb == http::verb::post && rights);
}

bool BeforeAnyResponse(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

// The Status of a reply that is not the expected success.
Status ErrorFrom(const HttpReply& reply) {
  if (reply.status >= 200 && reply.status < 300) {
    return BadResponse("unexpected HTTP status " + std::to_string(reply.status));
  }
  return StatusFromHttpError(reply.status, reply.body);
}

}  // namespace

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return "";
}

// One keep-alive connection, driven with plain system calls: a request is
// one gathered send and its reply one or two reads, with poll() waiting
// out the rest of the operation's deadline between them (an event loop
// and a timer per operation cost the caller's thread about as much CPU as
// vaultd spends answering an append: docs/performance.md section 10.11).
class Client::Impl {
 public:
  Impl(std::string socket_path, ClientOptions options)
      : socket_path_(std::move(socket_path)),
        options_(options),
        timeout_(std::clamp(options.timeout, std::chrono::milliseconds(1), kLongestTimeout)) {}
  ~Impl() { Close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Connect() {
    Close();
    beast::error_code ec;
    const int fd = Dial(&ec);
    if (fd < 0) return Unavailable("cannot connect", ec);
    fd_ = fd;
    used_ = false;
    return Status::OK();
  }

  StatusOr<HttpReply> Request(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view content_type,
                              const Client::Headers& headers) {
    const http::verb verb = http::string_to_verb(method);
    if (!wire::IsToken(method) || !IsRequestTarget(target)) {
      return Status::InvalidArgument(
          "the method is not a token, or the target is empty or holds a space or a control "
          "character",
          "invalid_request");
    }
    if (!IsHeaderValue(content_type)) {
      return Status::InvalidArgument("the content type holds CR, LF or NUL", "invalid_header");
    }
    bool keyed = false;
    for (const auto& [name, value] : headers) {
      if (!wire::IsToken(name) || !IsHeaderValue(value)) {
        return Status::InvalidArgument("a request header's name is not a token, or its value "
                                       "holds CR, LF or NUL",
                                       "invalid_header");
      }
      // The framing is the client's: a second length would make the request
      // ambiguous and the connection unusable.
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding")) {
        return Status::InvalidArgument("the client frames the body itself: no " + name + " header",
                                       "invalid_header");
      }
      // A 100 Continue would be read as the reply, and the real one as the
      // next request's: the body is always sent at once.
      if (beast::iequals(name, "Expect")) {
        return Status::InvalidArgument("the client sends the body at once: no Expect header",
                                       "invalid_header");
      }
      keyed = keyed || beast::iequals(name, "Idempotency-Key");
    }
    // An open with an Idempotency-Key is safe to repeat (section 2.2.1);
    // the header makes no other request so.
    const bool keyed_open = keyed && verb == http::verb::post && target == "/v1/transcripts";
    const std::string head = RequestHead(method, verb, target, body, content_type, headers);

    for (int attempt = 0;; ++attempt) {
      // A kept-alive connection the server has already closed (its idle
      // timeout, a restart) is replaced before anything is sent on it, so
      // even a request that is not safe to repeat is not lost to it.
      if (fd_ >= 0 && used_ && PeerClosed()) Close();
      if (fd_ < 0) VAULT_RETURN_IF_ERROR(Connect());
      const bool reused = used_;
      const beast::error_code write_ec = Send(head, body);
      // After a failed write the server may still have answered (e.g. 413
      // before reading a large body), so try to read a reply either way.
      beast::error_code read_ec;
      if (!write_ec || write_ec == asio::error::broken_pipe ||
          write_ec == asio::error::connection_reset) {
        StatusOr<HttpReply> reply = ReadReply(verb == http::verb::head, &read_ec);
        if (reply.ok()) return reply;
      }
      Close();
      const beast::error_code& ec = write_ec ? write_ec : read_ec;
      // A kept-alive connection the server closed before answering (its idle
      // timeout) is retried once on a fresh one, but only for requests that
      // are safe to repeat: a create or a backup the server did process
      // before dying must not be done twice.
      if (reused && attempt == 0 && (keyed_open || Repeatable(verb, target)) &&
          BeforeAnyResponse(read_ec ? read_ec : write_ec)) {
        continue;
      }
      return Unavailable("request failed", ec);
    }
  }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  static constexpr size_t kReadBytes = 16 * 1024;

  static beast::error_code LastError() {
    return beast::error_code(errno, boost::system::system_category());
  }

  // The request line and header. A body, or a method other than GET and
  // HEAD, gets a Content-Length (0 for an empty body).
  static std::string RequestHead(std::string_view method, http::verb verb, std::string_view target,
                                 std::string_view body, std::string_view content_type,
                                 const Client::Headers& headers) {
    std::string head;
    head.reserve(96 + method.size() + target.size() + content_type.size());
    head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: vault\r\n");
    if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
    for (const auto& [name, value] : headers) {
      head.append(name).append(": ").append(wire::TrimOws(value)).append("\r\n");
    }
    if (!body.empty() || (verb != http::verb::get && verb != http::verb::head)) {
      head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    head.append("\r\n");
    return head;
  }

  // A connected socket, or -1 with `ec` set. The connect blocks while the
  // server's backlog is full, for at most the timeout (SO_SNDTIMEO bounds
  // that wait); the socket is non-blocking after.
  int Dial(beast::error_code* ec) const {
    sockaddr_un addr{};
    if (socket_path_.empty() || socket_path_.find('\0') != std::string::npos) {
      *ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
      return -1;
    }
    if (socket_path_.size() >= sizeof(addr.sun_path)) {
      *ec = boost::system::errc::make_error_code(boost::system::errc::filename_too_long);
      return -1;
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *ec = LastError();
      return -1;
    }
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    int rc = 0;
    for (;;) {
      // The wait left, at least 1 us (0 would mean no limit at all).
      const auto micros = std::max<int64_t>(
          1, std::chrono::duration_cast<std::chrono::microseconds>(
                 deadline - std::chrono::steady_clock::now())
                 .count());
      timeval limit{};
      limit.tv_sec = static_cast<time_t>(micros / 1000000);
      limit.tv_usec = static_cast<suseconds_t>(micros % 1000000);
      rc = ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
      if (rc != 0) break;
      rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
      if (rc == 0 || errno != EINTR) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        errno = EAGAIN;  // reported as the timeout
        break;
      }
    }
    if (rc != 0 && errno == EISCONN) rc = 0;  // an interrupted connect that completed
    if (rc == 0) rc = ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (rc != 0) {
      *ec = errno == EAGAIN ? beast::error_code(beast::error::timeout) : LastError();
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Waits until the socket is ready for `events` or `deadline` passes.
  beast::error_code WaitFor(short events, Deadline deadline) const {
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return beast::error::timeout;
      const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec wait{};
      wait.tv_sec = static_cast<time_t>(nanos / 1000000000);
      wait.tv_nsec = static_cast<long>(nanos % 1000000000);
      pollfd p{fd_, events, 0};
      const int n = ::ppoll(&p, 1, &wait, nullptr);
      if (n > 0) return {};  // ready, or an error the next call reports
      if (n < 0 && errno != EINTR) return LastError();
    }
  }

  // Sends the header and the body, as one gathered write when the socket
  // takes it all.
  beast::error_code Send(std::string_view head, std::string_view body) const {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                      {const_cast<char*>(body.data()), body.size()}};
    size_t first = 0;
    while (first < 2) {
      msghdr msg{};
      msg.msg_iov = parts + first;
      msg.msg_iovlen = 2 - first;
      const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return LastError();
        if (beast::error_code ec = WaitFor(POLLOUT, deadline)) return ec;
        continue;
      }
      size_t sent = static_cast<size_t>(n);
      while (first < 2 && sent >= parts[first].iov_len) {
        sent -= parts[first].iov_len;
        ++first;
      }
      if (first < 2) {
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + sent;
        parts[first].iov_len -= sent;
      }
    }
    return {};
  }

  // Reads one response; `head`: the response to a HEAD request has no body.
  StatusOr<HttpReply> ReadReply(bool head, beast::error_code* ec) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.skip(head);
    parser.eager(true);
    // A reply is rarely there the moment its request is sent: wait for it
    // first rather than try a read that would only say "not yet".
    bool wait_first = true;
    for (;;) {
      if (buffer_.size() > 0) {
        beast::error_code parsed;
        const size_t used = parser.put(buffer_.data(), parsed);
        buffer_.consume(used);
        if (parsed && parsed != http::error::need_more) {
          *ec = parsed;
          return Status::Unavailable("bad reply");
        }
        if (parser.is_done()) break;
        if (used > 0 && buffer_.size() > 0) continue;
      }
      if (wait_first && (*ec = WaitFor(POLLIN, deadline))) return Status::Unavailable("no reply");
      wait_first = false;
      const asio::mutable_buffer room = buffer_.prepare(kReadBytes);
      const ssize_t n = ::recv(fd_, room.data(), room.size(), MSG_DONTWAIT);
      if (n > 0) {
        buffer_.commit(static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {  // the server closed the connection
        if (!parser.got_some()) {
          *ec = http::error::end_of_stream;
          return Status::Unavailable("no reply");
        }
        beast::error_code eof;
        parser.put_eof(eof);
        if (eof || !parser.is_done()) {
          *ec = eof ? eof : beast::error_code(http::error::partial_message);
          return Status::Unavailable("reply cut short");
        }
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // A reset after part of a reply is a reply cut short, not a
        // connection that failed before any response (no retry).
        *ec = parser.got_some() ? beast::error_code(http::error::partial_message) : LastError();
        return Status::Unavailable("no reply");
      }
      if ((*ec = WaitFor(POLLIN, deadline))) return Status::Unavailable("no reply");
    }
    http::response<http::string_body> response = parser.release();
    HttpReply reply;
    reply.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.body = std::move(response.body());
    used_ = true;
    if (!response.keep_alive()) Close();
    return reply;
  }

  // True if the idle connection has been closed by the server (end of file,
  // an error, or bytes nobody asked for), without blocking or consuming.
  bool PeerClosed() const {
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    return true;
  }

  void Close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  Status Unavailable(std::string_view what, const beast::error_code& ec) const {
    return Status::Unavailable("vaultd at " + socket_path_ + ": " + std::string(what) + ": " +
                               ec.message());
  }

  const std::string socket_path_;
  const ClientOptions options_;
  const std::chrono::milliseconds timeout_;  // options_.timeout, within bounds
  int fd_ = -1;
  beast::flat_buffer buffer_;
  bool used_ = false;  // a reply was read on this connection
};

StatusOr<std::unique_ptr<Client>> Client::Connect(const std::string& socket_path,
                                                  ClientOptions options) {
  auto impl = std::make_unique<Impl>(socket_path, options);
  VAULT_RETURN_IF_ERROR(impl->Connect());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

void SetReplyObserver(ReplyObserver replacement) {
  std::shared_ptr<const ReplyObserver> next;
  if (replacement) next = std::make_shared<const ReplyObserver>(std::move(replacement));
  const std::lock_guard<std::mutex> lock(observer_mu);
  observer = std::move(next);
}

StatusOr<HttpReply> Client::Request(std::string_view method, std::string_view target,
                                    std::string_view body, std::string_view content_type) {
  return Request(method, target, body, content_type, Headers());
}

StatusOr<HttpReply> Client::Request(std::string_view method, std::string_view target,
                                    std::string_view body, std::string_view content_type,
                                    const Headers& headers) {
  StatusOr<HttpReply> reply = impl_->Request(method, target, body, content_type, headers);
  if (reply.ok()) {
    if (const std::shared_ptr<const ReplyObserver> observe = Observer()) {
      (*observe)(method, target, *reply);
    }
  }
  return reply;
}

StatusOr<CreatedTranscript> Client::CreateTranscript(const NewTranscript& request) {
  if (!request.idempotency_key.empty() && !wire::IsIdempotencyKey(request.idempotency_key)) {
    return Status::InvalidArgument("an Idempotency-Key is 1 to 255 visible ASCII characters",
                                   "invalid_idempotency_key");
  }
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", "/v1/transcripts", EncodeNewTranscript(request), kJson,
                                 request.idempotency_key.empty()
                                     ? Headers()
                                     : Headers{{"Idempotency-Key", request.idempotency_key}}));
  if (reply.status != 201) return ErrorFrom(reply);
  VAULT_ASSIGN_OR_RETURN(CreatedTranscript created, DecodeCreated(reply.body));
  created.replayed = reply.Header("Idempotent-Replayed") == "true";
  return created;
}

StatusOr<AppendOutcome> Client::AppendMessage(std::string_view id, const Message& message) {
  if (!IsTranscriptId(id)) return NoSuchTranscript();
  const std::string target = "/v1/transcripts/" + std::string(id) + "/messages";
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("POST", target, EncodeMessage(message), kJson));
  if (reply.status != 201 && reply.status != 200) return ErrorFrom(reply);
  return DecodeAppended(reply.body);
}

StatusOr<UnixMillis> Client::CloseTranscript(std::string_view id) {
  if (!IsTranscriptId(id)) return NoSuchTranscript();
  const std::string target = "/v1/transcripts/" + std::string(id) + "/close";
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("POST", target, "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return DecodeClosed(reply.body);
}

StatusOr<Transcript> Client::GetTranscript(std::string_view id) {
  if (!IsTranscriptId(id)) return NoSuchTranscript();
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("GET", "/v1/transcripts/" + std::string(id), "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return DecodeTranscript(reply.body);
}

StatusOr<HistoryPage> Client::ListHistory(std::string_view id, const HistoryQuery& query) {
  if (!IsTranscriptId(id)) return NoSuchTranscript();
  std::string target =
      "/v1/transcripts/" + std::string(id) + "/history?limit=" + std::to_string(query.limit);
  // A cursor is 48 hex digits: nothing to escape. Anything else is refused
  // here rather than sent.
  if (!query.after.empty()) {
    for (char c : query.after) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return Status::InvalidArgument("after is not a cursor this vault gave", "invalid_cursor");
      }
    }
    target += "&after=" + query.after;
  }
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", target, "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeHistoryPage(reply.body);
}

StatusOr<std::string> Client::SubjectAccessJson(const SubjectAccessQuery& query) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("POST", "/v1/subject-access",
                                                  wire::EncodeSubjectAccessRequest(query)));
  if (reply.status != 200) return ErrorFrom(reply);
  VAULT_RETURN_IF_ERROR(wire::DecodeSubjectAccessAnswer(reply.body).status());
  return std::move(reply.body);
}

StatusOr<SubjectAccessAnswer> Client::SubjectAccess(const SubjectAccessQuery& query) {
  VAULT_ASSIGN_OR_RETURN(std::string body, SubjectAccessJson(query));
  return wire::DecodeSubjectAccessAnswer(body);
}

// --- Visitors' rights -----------------------------------------------------

namespace {

// A register entry's id: 32 lowercase hex characters, like a transcript's.
bool IsRightsRequestId(std::string_view id) { return IsTranscriptId(id); }

Status NoSuchRightsRequest() {
  return Status::NotFound("no rights request with this id", "unknown_request");
}

}  // namespace

StatusOr<SubjectErasureAnswer> Client::SubjectErasure(const SubjectAccessQuery& query) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("POST", "/v1/subject-erasure",
                                                  wire::EncodeSubjectAccessRequest(query), kJson));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeSubjectErasureAnswer(reply.body);
}

StatusOr<RightsRequest> Client::RegisterRightsRequest(const RightsRegistration& registration) {
  VAULT_ASSIGN_OR_RETURN(
      HttpReply reply,
      Request("POST", "/v1/rights-requests", wire::EncodeRightsRegistration(registration), kJson));
  if (reply.status != 201) return ErrorFrom(reply);
  return wire::DecodeRightsRequest(reply.body);
}

StatusOr<std::vector<RightsRequest>> Client::ListRightsRequests(RightsListing which) {
  const char* state = which == RightsListing::kOverdue ? "overdue"
                      : which == RightsListing::kAll   ? "all"
                                                       : "open";
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("GET", std::string("/v1/rights-requests?state=") + state, "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeRightsRequests(reply.body);
}

StatusOr<RightsRequest> Client::GetRightsRequest(std::string_view id) {
  if (!IsRightsRequestId(id)) return NoSuchRightsRequest();
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("GET", "/v1/rights-requests/" + std::string(id), "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeRightsRequest(reply.body);
}

StatusOr<RightsRequest> Client::UpdateRightsRequest(std::string_view id,
                                                    const RightsUpdate& update) {
  if (!IsRightsRequestId(id)) return NoSuchRightsRequest();
  const std::string target =
      "/v1/rights-requests/" + std::string(id) + "/" + wire::RightsActionName(update.action);
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", target, wire::EncodeRightsUpdate(update), kJson));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeRightsRequest(reply.body);
}

StatusOr<SubjectRestrictionAnswer> Client::SubjectRestriction(const SubjectAccessQuery& query,
                                                              RightsKind kind) {
  if (kind != RightsKind::kRestriction && kind != RightsKind::kObjection) {
    return Status::InvalidArgument("a restriction is asked as a restriction or an objection",
                                   "wrong_kind");
  }
  const char* target =
      kind == RightsKind::kObjection ? "/v1/subject-objection" : "/v1/subject-restriction";
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", target, wire::EncodeSubjectAccessRequest(query), kJson));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeSubjectRestrictionAnswer(reply.body);
}

StatusOr<SubjectRectificationAnswer> Client::SubjectRectification(
    const SubjectAccessQuery& query, const std::vector<VisitorCorrection>& corrections) {
  const std::string body = wire::EncodeSubjectRectificationRequest({query, corrections});
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", "/v1/subject-rectification", body, kJson));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeSubjectRectificationAnswer(reply.body);
}

StatusOr<StatementAdded> Client::AddStatement(std::string_view id, const StatementFiling& filing) {
  if (!IsTranscriptId(id)) return NoSuchTranscript();
  const std::string target = "/v1/transcripts/" + std::string(id) + "/statements";
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", target, wire::EncodeStatementFiling(filing), kJson));
  if (reply.status != 201) return ErrorFrom(reply);
  return wire::DecodeStatementAdded(reply.body);
}

// --- Statistics -----------------------------------------------------------

namespace {

// `text` as a query parameter's value: RFC 3986 unreserved characters as
// they are, every other byte as %XX.
std::string PercentEncoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string StatisticsTarget(const StatisticsQuery& query, std::string_view format) {
  return "/v1/statistics?service=" + PercentEncoded(query.service) +
         "&period=" + PercentEncoded(query.period) + "&format=" + std::string(format);
}

}  // namespace

StatusOr<StatisticsReport> Client::GetStatistics(const StatisticsQuery& query) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", StatisticsTarget(query, "json"), "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  StatusOr<StatisticsReport> report = wire::ParseStatisticsReport(reply.body);
  if (!report.ok()) return BadResponse(report.status().message());
  return report;
}

StatusOr<std::string> Client::GetStatisticsCsv(const StatisticsQuery& query) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", StatisticsTarget(query, "csv"), "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return std::move(reply.body);
}

Status Client::Health() {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", "/v1/health", "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return Status::OK();
}

Status Client::Backup(const std::string& dir) {
  boost::json::object body;
  body["dir"] = dir;
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("POST", "/v1/backup", boost::json::serialize(body)));
  if (reply.status != 201) return ErrorFrom(reply);
  return Status::OK();
}

StatusOr<RetentionStatus> Client::GetRetentionStatus() {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", "/v1/retention", "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeRetentionStatus(reply.body);
}

StatusOr<AuditStatus> Client::GetAuditStatus() {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", "/v1/audit", "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return wire::DecodeAuditStatus(reply.body);
}

StatusOr<std::string> Client::GetAuditSegment(uint64_t number) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         Request("GET", "/v1/audit/segments/" + std::to_string(number), "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return std::move(reply.body);
}

StatusOr<std::string> Client::Metrics() {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply, Request("GET", "/metrics", "", ""));
  if (reply.status != 200) return ErrorFrom(reply);
  return std::move(reply.body);
}

StatusOr<AuditStatus> Client::ExportAudit(const std::string& dir) {
  VAULT_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  VAULT_ASSIGN_OR_RETURN(AuditStatus status, GetAuditStatus());
  for (const AuditSegment& segment : status.segments) {
    VAULT_ASSIGN_OR_RETURN(std::string bytes, GetAuditSegment(segment.number));
    char name[32];
    std::snprintf(name, sizeof name, "/audit-%08llu.log",
                  static_cast<unsigned long long>(segment.number));
    VAULT_RETURN_IF_ERROR(WriteFileAtomically(dir + name, bytes, 0600));
  }
  VAULT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/checkpoint.note", status.checkpoint, 0600));
  VAULT_RETURN_IF_ERROR(
      WriteFileAtomically(dir + "/genesis.key", status.genesis_key + "\n", 0600));
  return status;
}

// --- Legal hold -----------------------------------------------------------

namespace {

template <typename T>
StatusOr<T> Expect(const StatusOr<HttpReply>& reply, int status,
                   StatusOr<T> (*decode)(std::string_view)) {
  if (!reply.ok()) return reply.status();
  if (reply->status != status) return ErrorFrom(*reply);
  return decode(reply->body);
}

}  // namespace

StatusOr<OfficerList> Client::ListOfficers() {
  return Expect(Request("GET", "/v1/officers", "", ""), 200, wire::DecodeOfficerList);
}

StatusOr<OfficerInfo> Client::EnrolOfficer(std::string_view officer_id, std::string_view key) {
  const std::string body = wire::EncodeEnrolment({std::string(officer_id), std::string(key)});
  return Expect(Request("POST", "/v1/officers", body, kJson), 201, wire::DecodeOfficer);
}

StatusOr<OfficerInfo> Client::RevokeOfficer(std::string_view officer_id, const Revocation& how) {
  const std::string target = "/v1/officers/" + std::string(officer_id) + "/revoke";
  const std::string body = wire::EncodeRevocation(how);
  return Expect(Request("POST", target, body, body.empty() ? "" : kJson), 200,
                wire::DecodeOfficer);
}

StatusOr<CaseInfo> Client::OpenCase(const CaseOpening& opening) {
  return Expect(Request("POST", "/v1/cases", wire::EncodeCaseOpening(opening), kJson), 201,
                wire::DecodeCase);
}

StatusOr<std::vector<CaseInfo>> Client::ListCases() {
  return Expect(Request("GET", "/v1/cases", "", ""), 200, wire::DecodeCaseList);
}

StatusOr<CaseDetail> Client::GetCase(std::string_view case_id) {
  return Expect(Request("GET", "/v1/cases/" + std::string(case_id), "", ""), 200,
                wire::DecodeCaseDetail);
}

StatusOr<HoldInfo> Client::PlaceHold(const HoldPlacement& hold) {
  const std::string target = "/v1/cases/" + hold.case_id + "/holds";
  return Expect(Request("POST", target, wire::EncodeHoldPlacement(hold), kJson), 201,
                wire::DecodeHold);
}

StatusOr<std::vector<HoldInfo>> Client::ListHolds(std::string_view transcript_id) {
  if (!IsTranscriptId(transcript_id)) return NoSuchTranscript();
  const std::string target = "/v1/transcripts/" + std::string(transcript_id) + "/holds";
  return Expect(Request("GET", target, "", ""), 200, wire::DecodeHoldList);
}

StatusOr<RequestInfo> Client::FileRequest(const RequestFiling& filing) {
  return Expect(Request("POST", "/v1/requests", wire::EncodeRequestFiling(filing), kJson), 201,
                wire::DecodeRequest);
}

StatusOr<RequestInfo> Client::GetRequest(std::string_view request_id, std::string_view officer) {
  std::string target = "/v1/requests/" + std::string(request_id);
  if (!officer.empty()) target += "?officer=" + std::string(officer);
  return Expect(Request("GET", target, "", ""), 200, wire::DecodeRequest);
}

StatusOr<ShareExport> Client::ExportShare(const ShareExportRequest& request) {
  const std::string target = "/v1/cases/" + request.case_id + "/share-export";
  return Expect(Request("POST", target, wire::EncodeShareExportRequest(request), kJson), 200,
                wire::DecodeShareExport);
}

StatusOr<ApprovalResult> Client::Approve(std::string_view request_id, const Approval& approval) {
  const std::string target = "/v1/requests/" + std::string(request_id) + "/approvals";
  return Expect(Request("POST", target, wire::EncodeApproval(approval), kJson), 200,
                wire::DecodeApprovalResult);
}

}  // namespace vault
