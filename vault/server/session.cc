#include "vault/server/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <cinttypes>
#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string_view>
#include <vector>

#include "vault/common/wipe.h"
#include "vault/server/access_log.h"
#include "vault/wire/http_error.h"
#include "vault/wire/http_syntax.h"

namespace vault {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr size_t kFirstReadBytes = 4096;
constexpr size_t kBodyReadBytes = 64 * 1024;

// A response body may hold a transcript's text. malloc keeps freed memory
// for later allocations (at an arena's top up to the trim threshold,
// malloc_config.h, and in its bins anyway), so the body is wiped, over its
// whole capacity, before it is freed. A read's reply of 100 KiB takes a
// few microseconds.
void WipeBody(HttpResponse* response) { WipeString(&response->body()); }

struct BodyWiper {
  HttpResponse* response;
  ~BodyWiper() { WipeBody(response); }
};

// The bytes a connection has read, requests and their bodies, are wiped from
// its read buffer before each request is read: every byte but the next
// requests' already received (a pipelining client's), which move to the
// buffer's front first. The buffer lives as long as the connection; the
// blocks it frees as it grows or shrinks, and its last when the connection
// ends, vaultd's operator delete zeroes (tools/wiping_new.cc).
void WipeReadBuffer(ReadBuffer* buffer) {
  // Everything after the unread bytes, once prepare has moved them to the
  // front: the spent requests, and the copy the move left.
  const asio::mutable_buffer spent = buffer->prepare(buffer->capacity() - buffer->size());
  if (spent.size() > 0) explicit_bzero(spent.data(), spent.size());  // none yet: no pointer
}

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

// Framing violations that Beast's parser lets through (RFC 9112 sections 2-7),
// found by the checks around it.
enum class Framing {
  kVersionNotSupported = 1,   // HTTP major version other than 1: 505
  kMissingHost,               // HTTP/1.1 request without Host: 400
  kDuplicateHost,             // more than one Host: 400
  kBadHost,                   // Host value not a uri-host[:port]: 400
  kTransferEncodingHttp10,    // Transfer-Encoding in an HTTP/1.0 request: 400
  kNotChunked,                // final transfer coding not chunked: 400
  kChunkedTwice,              // chunked applied more than once: 400
  kUnsupportedCoding,         // a coding other than chunked: 501
  kChunkLineTooLong,          // chunk extension or trailer over its cap: 400
};

class FramingCategory : public beast::error_category {
 public:
  const char* name() const noexcept override { return "vault.framing"; }
  std::string message(int ev) const override {
    switch (static_cast<Framing>(ev)) {
      case Framing::kVersionNotSupported:
        return "HTTP major version not supported; use HTTP/1.1";
      case Framing::kMissingHost:
        return "an HTTP/1.1 request must have a Host header";
      case Framing::kDuplicateHost:
        return "a request must have only one Host header";
      case Framing::kBadHost:
        return "the Host header is not a valid host";
      case Framing::kTransferEncodingHttp10:
        return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
      case Framing::kNotChunked:
        return "the final transfer coding must be chunked";
      case Framing::kChunkedTwice:
        return "the chunked transfer coding may be applied only once";
      case Framing::kUnsupportedCoding:
        return "transfer codings other than chunked are not supported";
      case Framing::kChunkLineTooLong:
        return "a chunk extension is longer than " + std::to_string(kMaxChunkExtensionBytes) +
               " bytes or the trailer longer than " + std::to_string(kMaxHeaderBytes);
    }
    return "framing error";
  }
};

const FramingCategory& FramingErrors() {
  static const FramingCategory category;
  return category;
}

beast::error_code MakeError(Framing framing) {
  return beast::error_code(static_cast<int>(framing), FramingErrors());
}

// Consumes empty lines (CRLF, or a bare LF) before a request line: RFC 9112
// section 2.2. Returns how many bytes it consumed.
size_t SkipEmptyLines(ReadBuffer& buffer) {
  size_t skipped = 0;
  for (;;) {
    const auto* data = static_cast<const char*>(buffer.data().data());
    const size_t size = buffer.size();
    size_t n = 0;
    if (size >= 1 && data[0] == '\n') {
      n = 1;
    } else if (size >= 2 && data[0] == '\r' && data[1] == '\n') {
      n = 2;
    }
    if (n == 0) return skipped;
    buffer.consume(n);
    skipped += n;
  }
}

// Looks at the request line at the start of `buffer`: nullopt until all of it
// has arrived, then an error for an HTTP major version other than 1, or OK.
// HTTP/1.x with x > 1 is served as HTTP/1.1 (RFC 9110 section 6.2): the minor
// digit is rewritten in place so Beast's parser takes it.
std::optional<beast::error_code> CheckRequestLine(ReadBuffer& buffer) {
  auto* data = static_cast<char*>(buffer.data().data());
  const std::string_view bytes(data, buffer.size());
  const size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  std::string_view line = bytes.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t space = line.rfind(' ');
  if (space == std::string_view::npos) return beast::error_code{};  // Beast refuses it
  const std::string_view version = line.substr(space + 1);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) ||
      version[6] != '.' || !digit(version[7])) {
    return beast::error_code{};  // not a version: Beast answers 400
  }
  if (version[5] != '1') return MakeError(Framing::kVersionNotSupported);
  if (version[7] > '1') data[space + 1 + 7] = '1';
  return beast::error_code{};
}

// uri-host [ ":" port ] (RFC 3986), or empty.
bool IsValidHost(std::string_view host) {
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-._~!$&'()*+,;=:[]%").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// The header checks Beast does not make: Host (RFC 9112 section 3.2) and
// Transfer-Encoding (sections 6.1 and 6.3). Beast frames a request whose
// final coding is not chunked by its Content-Length, or as having no body,
// which would let the rest of the bytes be read as another request.
beast::error_code CheckHeader(const HttpRequest& request) {
  const auto hosts = request.equal_range(http::field::host);
  const auto host_count = std::distance(hosts.first, hosts.second);
  if (host_count > 1) return MakeError(Framing::kDuplicateHost);
  if (host_count == 0 && request.version() >= 11) return MakeError(Framing::kMissingHost);
  if (host_count == 1 && !IsValidHost(hosts.first->value())) return MakeError(Framing::kBadHost);

  const auto encodings = request.equal_range(http::field::transfer_encoding);
  if (encodings.first == encodings.second) return {};
  if (request.version() < 11) return MakeError(Framing::kTransferEncodingHttp10);
  std::vector<std::string_view> codings;
  for (auto it = encodings.first; it != encodings.second; ++it) {
    std::string_view list(it->value().data(), it->value().size());
    while (true) {
      const size_t comma = list.find(',');
      std::string_view coding = list.substr(0, comma);
      coding = wire::TrimOws(coding.substr(0, coding.find(';')));  // parameters do not matter here
      if (!coding.empty()) codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  const auto is_chunked = [](std::string_view coding) { return beast::iequals(coding, "chunked"); };
  if (codings.empty() || !is_chunked(codings.back())) return MakeError(Framing::kNotChunked);
  if (std::count_if(codings.begin(), codings.end(), is_chunked) > 1) {
    return MakeError(Framing::kChunkedTwice);
  }
  if (codings.size() > 1) return MakeError(Framing::kUnsupportedCoding);
  return {};
}

// The origin form of an absolute-form target ("http://vault/v1/health" ->
// "/v1/health"), which a server must accept (RFC 9112 section 3.2.2); nullopt
// for any other form. The authority is ignored: there is one host here.
std::optional<std::string> OriginFormOf(std::string_view target) {
  size_t scheme = 0;
  if (target.size() >= 7 && beast::iequals(target.substr(0, 7), "http://")) {
    scheme = 7;
  } else if (target.size() >= 8 && beast::iequals(target.substr(0, 8), "https://")) {
    scheme = 8;
  } else {
    return std::nullopt;
  }
  const std::string_view rest = target.substr(scheme);
  const size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos) return std::string("/");
  if (rest[path] == '?') return "/" + std::string(rest.substr(path));
  return std::string(rest.substr(path));
}

}  // namespace

std::string SessionHub::NextRequestId() {
  char id[17];
  std::snprintf(id, sizeof(id), "%016" PRIx64,
                next_request_id_.fetch_add(1, std::memory_order_relaxed) + 1);
  return id;
}

std::optional<UidConnections::Slot> UidConnections::TryReserve(uid_t uid, size_t max) {
  MutexLock lock(&mu_);
  size_t& open = open_[uid];
  if (open >= max) {
    if (open == 0) open_.erase(uid);
    return std::nullopt;
  }
  ++open;
  return Slot(this, uid);
}

void UidConnections::Release(uid_t uid) {
  MutexLock lock(&mu_);
  auto it = open_.find(uid);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
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

Session::Session(SessionHub* hub, IoThreadShare* io, asio::local::stream_protocol::socket socket,
                 PeerCred peer, ConnectionSlot slot)
    : hub_(hub), io_(io), peer_(peer), slot_(std::move(slot)), stream_(std::move(socket)) {
  io_->sessions_.fetch_add(1, std::memory_order_acq_rel);
}

Session::~Session() { io_->sessions_.fetch_sub(1, std::memory_order_acq_rel); }

void Session::CloseIfIdle() {
  if (idle_) stream_.cancel();
  if (wake_ != nullptr) wake_->cancel();  // an event feed: it sees stopping() and ends
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
  WipeReadBuffer(&buffer_);
  if (buffer_.size() == 0) {
    // Between requests. Shutdown may close the connection only here, so no
    // request that was received goes unanswered.
    idle_ = true;
    if (hub_->stopping()) co_return false;
    // A large request may have grown the buffer; an idle connection keeps
    // only kFirstReadBytes.
    if (buffer_.capacity() > kFirstReadBytes) buffer_.shrink_to_fit();
    stream_.expires_after(limits.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kAwaitTuple);
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
  beast::error_code header_ec = co_await ReadHeader(parser);
  if (!header_ec) header_ec = CheckHeader(parser.get());
  if (header_ec) {
    co_return co_await FailRead(header_ec,
                                parser.is_header_done() ? MethodName(parser.get().method()) : "-",
                                TimeoutPhase::kHeader);
  }
  if (auto origin = OriginFormOf(parser.get().target())) parser.get().target(*origin);
  // One deadline for the whole body (and the 100 Continue before it). An
  // HTTP/1.0 client does not know 100 Continue (RFC 9110 section 10.1.1).
  stream_.expires_after(limits.body_timeout);
  if (parser.get().version() >= 11 && ExpectsContinue(parser.get()) && !parser.is_done()) {
    http::response<http::empty_body> proceed{http::status::continue_, parser.get().version()};
    if (auto [ec, n] = co_await http::async_write(stream_, proceed, kAwaitTuple); ec) {
      if (ec == beast::error::timeout) hub_->metrics().RecordTimeout(TimeoutPhase::kBody);
      co_return false;
    }
  }
  if (!parser.is_done()) {
    if (beast::error_code ec = co_await ReadBody(parser); ec) {
      co_return co_await FailRead(ec, MethodName(parser.get().method()), TimeoutPhase::kBody);
    }
  }
  stream_.expires_never();

  const auto start = std::chrono::steady_clock::now();
  const HttpRequest request = parser.release();
  const RequestContext context{peer_, hub_->NextRequestId()};
  std::string_view route = "-";
  // A chat's next message is queued for a group commit from here, and the
  // answer comes back once it is durable. The health check is answered here
  // from memory. Anything else may block on an fsync: it runs on the worker
  // pool, and resumes here after.
  const Router::Path path = Router::PathOf(request);
  std::optional<HttpResponse> queued;
  if (path == Router::Path::kQueueable) queued = co_await TryQueued(request, context, &route);
  HttpResponse response;
  // However this frame ends (written, failed, or destroyed at shutdown),
  // the body it holds is wiped before it is freed.
  const BodyWiper wiper{&response};
  // An event feed: its subscription, and the uid's slot it holds.
  std::optional<EventSubscription> events;
  std::optional<UidConnections::Slot> events_slot;
  if (queued.has_value()) {
    response = std::move(*queued);
  } else if (path == Router::Path::kInline) {
    response = hub_->router().Handle(request, context, &route);
  } else if (path == Router::Path::kEventStream) {
    Router::EventStreamStart opened = co_await OpenEvents(request, context, &route, &events_slot);
    response = std::move(opened.response);
    events = std::move(opened.subscription);
  } else {
    response = co_await asio::co_spawn(
        hub_->workers(),
        [&]() -> asio::awaitable<HttpResponse> {
          co_return hub_->router().Handle(request, context, &route);
        },
        asio::use_awaitable);
  }

  const bool head = request.method() == http::verb::head;
  if (hub_->stopping()) events.reset();  // the header alone, and the connection closes
  const bool keep_alive = request.keep_alive() && !hub_->stopping() && !events.has_value();
  const size_t body_bytes = response.body().size();
  const bool written = co_await Write(response, request.version(), keep_alive, head,
                                      context.request_id, events.has_value());
  const unsigned status = response.result_int();
  // A large body is freed now rather than when this frame ends, so that the
  // trim below can give its memory back.
  if (body_bytes >= kFirstReadBytes) {
    WipeBody(&response);
    response = HttpResponse();
  }
  const int64_t latency_us = MicrosSince(start);
  LogAccess({context.request_id, MethodName(request.method()), route, status, latency_us,
             peer_.uid});
  hub_->metrics().RecordRequest(route, status, latency_us);
  // A trim's madvise calls can take a while: on the worker pool, not here.
  if (hub_->trimmer().TakeTurn(body_bytes)) asio::post(hub_->workers(), &ReleaseFreeMemory);
  if (events.has_value() && written) co_await StreamEvents(std::move(*events));
  const bool serve_more = written && keep_alive;
  co_return serve_more;
}

void Mailbox::Deliver(const asio::any_io_executor& executor, std::function<void()> fn) {
  bool post = false;
  {
    MutexLock lock(&mu_);
    queue_.push_back(std::move(fn));
    post = !drain_posted_;
    drain_posted_ = true;
  }
  if (post) asio::post(executor, [this] { Drain(); });
}

void Mailbox::Drain() {
  std::vector<std::function<void()>> batch;
  {
    MutexLock lock(&mu_);
    batch.swap(queue_);
    queue_.swap(spare_);  // the queue starts again with the spare's capacity
    drain_posted_ = false;
  }
  for (std::function<void()>& fn : batch) fn();
  batch.clear();
  MutexLock lock(&mu_);
  // The emptied vector is the next drain's spare, so that a batch's calls
  // don't grow a new vector each time.
  if (spare_.capacity() < batch.capacity()) spare_.swap(batch);
}

asio::awaitable<std::optional<HttpResponse>> Session::TryQueued(const HttpRequest& request,
                                                               const RequestContext& context,
                                                               std::string_view* route) {
  // The session's executor, tracked as outstanding work: the io_context
  // keeps running until the committer's answer has come back to it.
  auto home =
      asio::prefer(co_await asio::this_coro::executor, asio::execution::outstanding_work.tracked);
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                          void(std::optional<HttpResponse>)>(
      [&](auto handler) {
        auto resume = std::make_shared<decltype(handler)>(std::move(handler));
        Mailbox* mailbox = &io_->mailbox();
        const bool taken = hub_->router().TryQueueAppend(
            request, context, route, [mailbox, resume, home](HttpResponse response) {
              auto answer = std::make_shared<HttpResponse>(std::move(response));
              mailbox->Deliver(home, [resume, home, answer] {
                asio::post(home, [resume, answer]() mutable {
                  std::move(*resume)(std::optional<HttpResponse>(std::move(*answer)));
                });
              });
            });
        if (!taken) {
          asio::post(home, [resume]() mutable { std::move (*resume)(std::nullopt); });
        }
      },
      asio::use_awaitable);
}

asio::awaitable<beast::error_code> Session::ReadHeader(RequestParser& parser) {
  size_t header_bytes = 0;
  bool line_checked = false;
  for (;;) {
    if (!line_checked && buffer_.size() > 0) {
      header_bytes += SkipEmptyLines(buffer_);
      if (header_bytes > kMaxHeaderBytes) co_return http::error::header_limit;
      if (std::optional<beast::error_code> line = CheckRequestLine(buffer_)) {
        if (*line) co_return *line;
        line_checked = true;
      } else if (header_bytes + buffer_.size() > kMaxHeaderBytes) {
        co_return http::error::header_limit;
      }
    }
    if (line_checked && buffer_.size() > 0) {
      beast::error_code ec;
      const size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes += used;
      if (header_bytes > kMaxHeaderBytes) co_return http::error::header_limit;
      if (ec != http::error::need_more) co_return ec;  // OK once the header is done
    }
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kMaxHeaderBytes), kAwaitTuple);
    if (ec == asio::error::eof) {
      if (!line_checked && buffer_.size() > 0) co_return http::error::partial_message;
      if (!parser.got_some()) co_return http::error::end_of_stream;
      beast::error_code eof;
      parser.put_eof(eof);  // a header cut short: partial_message
      co_return eof ? eof : beast::error_code(http::error::partial_message);
    }
    if (ec) co_return ec;
    buffer_.commit(n);
  }
}

asio::awaitable<beast::error_code> Session::ReadBody(RequestParser& parser) {
  // Caps what a chunk header line (with its extensions) or the trailer may
  // take: Beast keeps them whole in the buffer until they end.
  auto cap_extension = [](std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
    if (extensions.size() > kMaxChunkExtensionBytes) ec = MakeError(Framing::kChunkLineTooLong);
  };
  parser.on_chunk_header(cap_extension);
  parser.eager(true);
  for (;;) {
    if (buffer_.size() > 0) {
      // At most kMaxHeaderBytes at a time, so that a chunk header or trailer
      // longer than that never parses, even when all of it has arrived.
      const size_t offered = std::min<size_t>(buffer_.size(), kMaxHeaderBytes);
      beast::error_code ec;
      const size_t used = parser.put(asio::buffer(buffer_.data().data(), offered), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;
      if (parser.is_done()) co_return beast::error_code{};
      if (used > 0) continue;
      if (offered == kMaxHeaderBytes) co_return MakeError(Framing::kChunkLineTooLong);
    }
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kBodyReadBytes), kAwaitTuple);
    if (ec == asio::error::eof) {
      beast::error_code eof;
      parser.put_eof(eof);
      if (eof) co_return eof;
      co_return parser.is_done() ? beast::error_code{}
                                 : beast::error_code(http::error::partial_message);
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
  } else if (ec.category() == FramingErrors()) {
    switch (static_cast<Framing>(ec.value())) {
      case Framing::kVersionNotSupported:
        response = ErrorResponse(505, "http_version_not_supported", ec.message());
        break;
      case Framing::kUnsupportedCoding:
        response = ErrorResponse(501, "unsupported_transfer_encoding", ec.message());
        break;
      default:
        response = ErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message());
        break;
    }
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
                                     bool head, const std::string& request_id, bool stream) {
  response.version(version);
  response.keep_alive(keep_alive);
  response.set("X-Request-Id", request_id);
  // How long this connection may stay idle before vaultd closes it, so a
  // client closes first rather than write into a closed connection. Under a
  // second there is no whole number of seconds to say (timeout=0 reads as
  // "no limit" to some clients): no header.
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(hub_->limits().idle_timeout);
  if (keep_alive && idle.count() > 0) {
    response.set(http::field::keep_alive, "timeout=" + std::to_string(idle.count()));
  }
  if (!stream) response.prepare_payload();  // a feed's body ends with the connection
  if (head) WipeBody(&response);  // Content-Length still tells the GET size
  // The header and the body in one gathered write: the bytes Beast's
  // serializer would write (SerializeHeader), without its machinery.
  const std::string header = SerializeHeader(response);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header),
                                                  asio::buffer(response.body())};
  stream_.expires_after(hub_->limits().idle_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, kAwaitTuple);
  if (ec == beast::error::timeout) hub_->metrics().RecordTimeout(TimeoutPhase::kWrite);
  co_return !ec;
}

}  // namespace vault
