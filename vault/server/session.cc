#include "vault/server/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <cinttypes>
#include <cstdio>

#include "vault/server/access_log.h"

namespace vault {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kFirstReadBytes = 4096;

std::string_view MethodName(http::verb verb) {
  if (verb == http::verb::unknown) return "other";  // never log a made-up method
  const auto name = http::to_string(verb);
  return std::string_view(name.data(), name.size());
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

bool ExpectsContinue(const HttpRequest& request) {
  const auto expect = request[http::field::expect];
  return beast::iequals(expect, "100-continue");
}

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace

std::string SessionHub::NextRequestId() {
  char id[17];
  std::snprintf(id, sizeof(id), "%016" PRIx64,
                next_request_id_.fetch_add(1, std::memory_order_relaxed) + 1);
  return id;
}

std::optional<ConnectionSlot> SessionHub::TryReserveSlot(size_t max) {
  size_t open = open_connections_.load(std::memory_order_acquire);
  do {
    if (open >= max) return std::nullopt;
  } while (!open_connections_.compare_exchange_weak(open, open + 1, std::memory_order_acq_rel));
  return ConnectionSlot(&open_connections_);
}

bool SessionHub::Add(const std::shared_ptr<Session>& session) {
  MutexLock lock(&mu_);
  if (stopping()) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionHub::Remove(Session* session) {
  MutexLock lock(&mu_);
  sessions_.erase(session);
}

bool SessionHub::BeginShutdown() {
  if (stopping_.exchange(true, std::memory_order_acq_rel)) return false;
  MutexLock lock(&mu_);
  for (auto& [raw, weak] : sessions_) {
    if (std::shared_ptr<Session> session = weak.lock()) {
      asio::post(session->executor(), [session] { session->CloseIfIdle(); });
    }
  }
  return true;
}

Session::Session(SessionHub* hub, asio::local::stream_protocol::socket socket, PeerCred peer,
                 ConnectionSlot slot)
    : hub_(hub), peer_(peer), slot_(std::move(slot)), stream_(std::move(socket)) {}

void Session::CloseIfIdle() {
  if (idle_) stream_.cancel();
}

asio::awaitable<void> Session::Run(std::shared_ptr<Session> self) {
  if (self->hub_->Add(self)) {
    while (co_await self->ServeOne()) {
    }
    self->hub_->Remove(self.get());
  }
  beast::error_code ignored;
  self->stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  self->stream_.close();
}

asio::awaitable<bool> Session::ServeOne() {
  const SessionLimits& limits = hub_->limits();
  if (buffer_.size() == 0) {
    // Between requests. Shutdown may close the connection only here, so no
    // request that was received goes unanswered.
    idle_ = true;
    if (hub_->stopping()) co_return false;
    // A large request may have grown the buffer; an idle connection keeps
    // only kFirstReadBytes.
    if (buffer_.capacity() > kFirstReadBytes) buffer_.shrink_to_fit();
    stream_.expires_after(limits.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kTuple);
    idle_ = false;
    if (ec == beast::error::timeout) hub_->metrics().RecordTimeout(TimeoutPhase::kIdle);
    if (ec) co_return false;  // peer closed, idle timeout, or shutdown
    buffer_.commit(n);
  }

  RequestParser parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(limits.max_body_bytes);
  // One deadline for the whole header, from its first byte.
  stream_.expires_after(limits.header_timeout);
  if (beast::error_code ec = co_await ReadHeader(parser); ec) {
    co_return co_await FailRead(ec,
                                parser.is_header_done() ? MethodName(parser.get().method()) : "-",
                                TimeoutPhase::kHeader);
  }
  // One deadline for the whole body (and the 100 Continue before it).
  stream_.expires_after(limits.body_timeout);
  if (ExpectsContinue(parser.get()) && !parser.is_done()) {
    http::response<http::empty_body> proceed{http::status::continue_, parser.get().version()};
    if (auto [ec, n] = co_await http::async_write(stream_, proceed, kTuple); ec) {
      if (ec == beast::error::timeout) hub_->metrics().RecordTimeout(TimeoutPhase::kBody);
      co_return false;
    }
  }
  if (!parser.is_done()) {
    if (auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kTuple); ec) {
      co_return co_await FailRead(ec, MethodName(parser.get().method()), TimeoutPhase::kBody);
    }
  }
  stream_.expires_never();

  const auto start = std::chrono::steady_clock::now();
  const HttpRequest request = parser.release();
  const RequestContext context{peer_, hub_->NextRequestId()};
  std::string_view route = "-";
  // The Vault blocks on fsync: run it on the worker pool, resume here after.
  HttpResponse response = co_await asio::co_spawn(
      hub_->workers(),
      [&]() -> asio::awaitable<HttpResponse> {
        co_return hub_->router().Handle(request, context, &route);
      },
      asio::use_awaitable);

  const bool keep_alive = request.keep_alive() && !hub_->stopping();
  const bool head = request.method() == http::verb::head;
  const bool written =
      co_await Write(response, request.version(), keep_alive, head, context.request_id);
  const int64_t latency_us = MicrosSince(start);
  LogAccess({context.request_id, MethodName(request.method()), route, response.result_int(),
             latency_us, peer_.uid});
  hub_->metrics().RecordRequest(route, response.result_int(), latency_us);
  const bool serve_more = written && keep_alive;
  co_return serve_more;
}

asio::awaitable<beast::error_code> Session::ReadHeader(RequestParser& parser) {
  size_t header_bytes = 0;
  for (;;) {
    if (buffer_.size() > 0) {
      beast::error_code ec;
      const size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes += used;
      if (header_bytes > kMaxHeaderBytes) co_return http::error::header_limit;
      if (ec != http::error::need_more) co_return ec;  // OK once the header is done
    }
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kMaxHeaderBytes), kTuple);
    if (ec == asio::error::eof) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      beast::error_code eof;
      parser.put_eof(eof);  // a header cut short: partial_message
      co_return eof ? eof : beast::error_code(http::error::partial_message);
    }
    if (ec) co_return ec;
    buffer_.commit(n);
  }
}

asio::awaitable<bool> Session::FailRead(beast::error_code ec, std::string_view method,
                                        TimeoutPhase phase) {
  if (ec == beast::error::timeout) {
    // The stream has closed the socket: there is no way to answer.
    hub_->metrics().RecordTimeout(phase);
    co_return false;
  }
  HttpResponse response;
  if (ec == http::error::body_limit) {
    response = ErrorResponse(
        413, "too_large",
        "request body is larger than " + std::to_string(hub_->limits().max_body_bytes) + " bytes");
  } else if (ec == http::error::header_limit) {
    response = ErrorResponse(
        431, "headers_too_large",
        "request header is larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
  } else if (ec == http::error::partial_message) {
    // The client ended its side mid-request; it may still read the answer.
    response = ErrorResponse(400, "bad_request", "the request ended before it was complete");
  } else if (IsHttpParseError(ec) && ec != http::error::end_of_stream) {
    // ec.message() is Beast's fixed description of the violation.
    response = ErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message());
  } else {
    co_return false;  // the peer went away or timed out: nobody to answer
  }
  const std::string request_id = hub_->NextRequestId();
  co_await Write(response, 11, false, false, request_id);
  LogAccess({request_id, method, "-", response.result_int(), 0, peer_.uid});
  hub_->metrics().RecordRequest("-", response.result_int(), 0);
  co_return false;
}

asio::awaitable<bool> Session::Write(HttpResponse& response, unsigned version, bool keep_alive,
                                     bool head, const std::string& request_id) {
  response.version(version);
  response.keep_alive(keep_alive);
  response.set("X-Request-Id", request_id);
  response.prepare_payload();
  if (head) response.body().clear();  // Content-Length still tells the GET size
  stream_.expires_after(hub_->limits().idle_timeout);
  auto [ec, n] = co_await http::async_write(stream_, response, kTuple);
  if (ec == beast::error::timeout) hub_->metrics().RecordTimeout(TimeoutPhase::kWrite);
  co_return !ec;
}

}  // namespace vault
