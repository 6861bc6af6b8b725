// One client connection: reads HTTP/1.1 requests with hard caps, runs each on
// the worker pool through the Router, writes the response, repeats while the
// connection is kept alive.
//
// Caps before parsing: request header 8 KiB (431 headers_too_large), body
// max_body_bytes (413 too_large; a declared Content-Length over it is refused
// before any of the body is read). A malformed request gets 400 bad_request.
// After any of these the connection is closed, since the rest of the byte
// stream cannot be trusted.
//
// Framing (RFC 9112), checked around Beast's parser: empty lines before a
// request line are skipped; HTTP/1.x (x > 1) is served as HTTP/1.1, another
// major version gets 505 http_version_not_supported; an HTTP/1.1 request
// without Host, or any request with two, gets 400; a Transfer-Encoding whose
// final coding is not chunked (or that names chunked twice, or is sent by an
// HTTP/1.0 client) gets 400, one with a coding besides chunked 501
// unsupported_transfer_encoding, and Transfer-Encoding with Content-Length
// 400, all before any body is read and all closing the connection. Chunk
// extensions are capped at kMaxChunkExtensionBytes. An absolute-form target
// is served as its path. 100 Continue goes to HTTP/1.1 clients only.
//
// Deadlines, tighter once a request has begun: idle_timeout for the first
// byte of a request (on a new or a kept-alive connection) and for writing a
// response; header_timeout from that first byte to the end of the header;
// body_timeout from the end of the header to the end of the body. Each is a
// deadline for the whole step, not for each read, so a client sending one
// byte at a time cannot stretch it. When one passes the connection is closed
// without a response.
//
// Threading: each session runs as one coroutine on the io_context of one
// I/O thread, which runs nothing else concurrently, so the session needs no
// strand; the Router runs on the worker pool and the coroutine resumes on
// the session's thread afterwards.
// SessionHub is shared by all sessions of a server and is thread-safe.
//
// Shutdown: SessionHub::BeginShutdown closes sessions that wait between
// requests; a session busy with a request finishes it, answers with
// "Connection: close" and ends.
#ifndef VAULT_SERVER_SESSION_H_
#define VAULT_SERVER_SESSION_H_

#include <sys/types.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vault/common/thread_annotations.h"
#include "vault/common/wipe.h"
#include "vault/events.h"
#include "vault/server/malloc_config.h"
#include "vault/server/metrics.h"
#include "vault/server/peer_cred.h"
#include "vault/server/response.h"
#include "vault/server/router.h"

namespace vault {

// The completion token of every socket operation and timer wait a session or
// its event feed awaits: errors come back as values, never as exceptions.
inline constexpr auto kAwaitTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

constexpr uint32_t kMaxHeaderBytes = 8 * 1024;
// Chunk extensions (ignored) on one chunk, at most; 400 bad_request over it.
constexpr size_t kMaxChunkExtensionBytes = 256;

struct SessionLimits {
  size_t max_body_bytes = 1 << 20;
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  // Event feeds (GET /v1/events) open at once per uid, and the interval of
  // their heartbeat comments.
  size_t max_event_streams_per_uid = 4;
  std::chrono::milliseconds event_heartbeat{15000};
  // After a response body of at least this many bytes has been freed, the
  // free memory in malloc's arenas goes back to the kernel (on the worker
  // pool), at most once per trim_interval (MemoryTrimmer, malloc_config.h).
  // 0: never.
  size_t trim_after_bytes = 256 * 1024;
  std::chrono::milliseconds trim_interval{1000};
};

class Session;

// A connection's read buffer: the requests' bytes, wiped between requests
// (session.cc).
using ReadBuffer = boost::beast::flat_buffer;

// The connections open per uid, for ServerOptions::max_connections_per_uid.
// Thread safety: every method may be called from any thread.
class UidConnections {
 public:
  // One uid's connection, counted until destroyed.
  class Slot {
   public:
    Slot(UidConnections* owner, uid_t uid) : owner_(owner), uid_(uid) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), uid_(other.uid_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release(uid_);
    }

   private:
    UidConnections* owner_;
    uid_t uid_;
  };

  // A slot for a new connection from `uid`, or nullopt if it has `max` open.
  std::optional<Slot> TryReserve(uid_t uid, size_t max) EXCLUDES(mu_);

 private:
  void Release(uid_t uid) EXCLUDES(mu_);

  Mutex mu_;
  // Only uids with a connection open: the map stays as small as the number of
  // connected users.
  std::unordered_map<uid_t, size_t> open_ GUARDED_BY(mu_);
};

// One of the server's max_connections slots, held by a Session for its life,
// with its uid's slot when the uid is limited (both are released together).
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<size_t>* open) : open_(open) {}
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : open_(other.open_), uid_slot_(std::move(other.uid_slot_)) {
    other.open_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (open_ != nullptr) open_->fetch_sub(1, std::memory_order_acq_rel);
  }

  void HoldUidSlot(UidConnections::Slot uid_slot) { uid_slot_.emplace(std::move(uid_slot)); }

 private:
  std::atomic<size_t>* open_;
  std::optional<UidConnections::Slot> uid_slot_;
};

// Hands work from a thread outside an io_context (the Vault's group
// committer) to that io_context's thread, in batches: the first call of a
// batch posts one drain, and every call until that drain runs joins it. One
// wake-up of a connection thread is then paid per batch rather than per
// call, and what the drain posts on to each session goes through the
// running thread's own queue. The server has one per io_context, and a
// session delivers only through its own io_context's. Thread safety: any
// thread.
class Mailbox {
 public:
  // Runs `fn` soon on a thread of the io_context of `executor` (the first
  // call of a batch names where the drain runs). `fn` must not throw.
  void Deliver(const boost::asio::any_io_executor& executor, std::function<void()> fn)
      EXCLUDES(mu_);

 private:
  void Drain() EXCLUDES(mu_);

  Mutex mu_;
  std::vector<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool drain_posted_ GUARDED_BY(mu_) = false;
  // An empty vector with capacity, from an earlier drain, that the queue
  // takes over when a drain takes the queue's batch.
  std::vector<std::function<void()>> spare_ GUARDED_BY(mu_);
};

// What the sessions of one I/O thread share: the mailbox through which the
// group committer answers them, and their number, by which the server gives
// a new connection to the I/O thread with the fewest. Outlives its
// sessions. Thread safety: any thread.
class IoThreadShare {
 public:
  Mailbox& mailbox() { return mailbox_; }
  size_t sessions() const { return sessions_.load(std::memory_order_acquire); }

 private:
  friend class Session;  // counts itself from construction to destruction
  // Before mailbox_: a session held by an answer still in the mailbox is
  // destroyed with it, and uncounts itself.
  std::atomic<size_t> sessions_{0};
  Mailbox mailbox_;
};

// What every session of one server shares. Outlives all its sessions.
class SessionHub {
 public:
  // `metrics` (which records every answered request) must outlive the hub.
  SessionHub(SessionLimits limits, const Router* router,
             boost::asio::thread_pool::executor_type workers, ServerMetrics* metrics)
      : limits_(limits), router_(router), workers_(workers), metrics_(metrics),
        trimmer_(limits.trim_after_bytes, limits.trim_interval) {}
  SessionHub(const SessionHub&) = delete;
  SessionHub& operator=(const SessionHub&) = delete;

  const SessionLimits& limits() const { return limits_; }
  const Router& router() const { return *router_; }
  boost::asio::thread_pool::executor_type workers() const { return workers_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  std::string NextRequestId();
  ServerMetrics& metrics() const { return *metrics_; }
  MemoryTrimmer& trimmer() { return trimmer_; }
  // The event feeds open per uid (SessionLimits::max_event_streams_per_uid).
  UidConnections& event_streams() { return event_streams_; }
  size_t open_connections() const { return open_connections_.load(std::memory_order_acquire); }

  // A slot for a new connection, or nullopt if `max` connections are open.
  std::optional<ConnectionSlot> TryReserveSlot(size_t max);

  // Registers a live session; false (and not registered) once stopping.
  bool Add(const std::shared_ptr<Session>& session);
  void Remove(Session* session);

  // Sets stopping and closes every session that waits between requests.
  // Returns false if shutdown had already begun.
  bool BeginShutdown();

 private:
  const SessionLimits limits_;
  const Router* const router_;
  const boost::asio::thread_pool::executor_type workers_;
  ServerMetrics* const metrics_;
  MemoryTrimmer trimmer_;
  UidConnections event_streams_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_request_id_{0};
  std::atomic<size_t> open_connections_{0};
  mutable Mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_ GUARDED_BY(mu_);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Stream = boost::beast::basic_stream<boost::asio::local::stream_protocol>;

  // `socket` is connected and its executor is an io_context's that one
  // thread runs (it serialises the session as a strand would); `io` is that
  // thread's, and counts the session until it is destroyed.
  Session(SessionHub* hub, IoThreadShare* io, boost::asio::local::stream_protocol::socket socket,
          PeerCred peer, ConnectionSlot slot);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Serves the connection until it ends; takes `self` to keep it alive.
  static boost::asio::awaitable<void> Run(std::shared_ptr<Session> self);

  Stream::executor_type executor() { return stream_.get_executor(); }
  // Closes the connection if it waits between requests, and ends an event
  // feed. Call on executor().
  void CloseIfIdle();

 private:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // Serves one request; false when the connection must end.
  boost::asio::awaitable<bool> ServeOne();
  // Reads until `parser` has the whole header. Beast's header_limit bounds
  // only what one put() leaves unconsumed, and a header arriving in pieces is
  // consumed field by field, so the header's total size is counted here
  // (http::error::header_limit once it passes kMaxHeaderBytes).
  boost::asio::awaitable<boost::beast::error_code> ReadHeader(RequestParser& parser);
  // Reads the rest of the body into `parser`. What waits unparsed in the
  // buffer (a chunk header line, the trailer) is capped at kMaxHeaderBytes
  // and chunk extensions at kMaxChunkExtensionBytes.
  boost::asio::awaitable<boost::beast::error_code> ReadBody(RequestParser& parser);
  // Answers a failed read (protocol error, cap exceeded) or returns false
  // quietly (peer gone, timeout). Always ends the connection.
  // `phase` names the deadline that applied, for counting timeouts.
  boost::asio::awaitable<bool> FailRead(boost::beast::error_code ec, std::string_view method,
                                        TimeoutPhase phase);
  // The response of an append queued for a group commit (Router::
  // TryQueueAppend), once durable; nullopt if the request is not one, and
  // the worker pool must Handle it.
  boost::asio::awaitable<std::optional<HttpResponse>> TryQueued(const HttpRequest& request,
                                                                const RequestContext& context,
                                                                std::string_view* route);
  // Writes `response`; for a HEAD request the header only. `stream`: the
  // header of an event feed, whose body runs until the connection closes
  // (no Content-Length; always Connection: close).
  boost::asio::awaitable<bool> Write(HttpResponse& response, unsigned version, bool keep_alive,
                                     bool head, const std::string& request_id,
                                     bool stream = false);
  // Opens the event feed of `request` (GET /v1/events): the uid's stream
  // slot (429 too_many_event_streams without one), then the Router's checks
  // and the subscription on the worker pool.
  boost::asio::awaitable<Router::EventStreamStart> OpenEvents(
      const HttpRequest& request, const RequestContext& context, std::string_view* route,
      std::optional<UidConnections::Slot>* slot);
  // Writes the events of `subscription` as they come, a heartbeat comment
  // when there are none for SessionLimits::event_heartbeat, until the peer
  // goes, a write fails or times out, or shutdown begins.
  boost::asio::awaitable<void> StreamEvents(EventSubscription subscription);
  // Wakes StreamEvents (on the session's thread).
  void WakeStream();

  SessionHub* const hub_;
  IoThreadShare* const io_;
  const PeerCred peer_;
  const ConnectionSlot slot_;
  Stream stream_;
  ReadBuffer buffer_;
  bool idle_ = false;  // waiting for the first byte of a request; on the session's thread
  // An event feed's wake-up timer while it streams (on the session's thread), whether
  // the journal has news since it last read, whether the peer has gone, and
  // whether a wake-up is already posted (any thread).
  std::unique_ptr<boost::asio::steady_timer> wake_;
  bool notified_ = false;
  bool peer_gone_ = false;
  std::atomic<bool> wake_posted_{false};
};

}  // namespace vault

#endif  // VAULT_SERVER_SESSION_H_
