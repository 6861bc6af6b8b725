#include "vault/server/server.h"

#include <pthread.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "vault/server/logging.h"
#include "vault/server/peer_cred.h"
#include "vault/server/response.h"

namespace vault {

namespace asio = boost::asio;
using UnixSocket = asio::local::stream_protocol::socket;

namespace {

void LogCoroutineFailure(std::exception_ptr failure) {
  if (failure == nullptr) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    LogEvent(spdlog::level::err, "coroutine_failed", {{"error", e.what()}});
  } catch (...) {
    LogEvent(spdlog::level::err, "coroutine_failed", {{"error", "unknown exception"}});
  }
}

// Answers a connection over the cap with 503 too_many_connections; the caller
// then closes it. One non-blocking send: a new socket's buffer has room for
// these few hundred bytes, and if it has not the client sees the close alone.
// `code` and `message` say which cap.
void RefuseOverCap(UnixSocket& socket, std::string_view code, const std::string& message,
                   std::string_view request_id) {
  const std::string bytes =
      SerializeFinalResponse(ErrorResponse(503, std::string(code), message), request_id);
  (void)::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

Status CheckOptions(const ServerOptions& options) {
  if (options.max_body_bytes == 0) return Status::InvalidArgument("max_body_bytes must be > 0");
  if (options.idle_timeout.count() <= 0) return Status::InvalidArgument("idle_timeout must be > 0");
  if (options.event_heartbeat.count() <= 0) {
    return Status::InvalidArgument("event_heartbeat must be > 0");
  }
  if (options.max_event_streams_per_uid == 0) {
    return Status::InvalidArgument("max_event_streams_per_uid must be > 0");
  }
  if (options.header_timeout.count() <= 0) {
    return Status::InvalidArgument("header_timeout must be > 0");
  }
  if (options.body_timeout.count() <= 0) return Status::InvalidArgument("body_timeout must be > 0");
  if (options.max_connections == 0) return Status::InvalidArgument("max_connections must be > 0");
  if (options.workers == 0) return Status::InvalidArgument("workers must be > 0");
  if (options.io_threads == 0) return Status::InvalidArgument("io_threads must be > 0");
  return Status::OK();
}

}  // namespace

size_t EffectiveMaxConnectionsPerUid(const ServerOptions& options) {
  const size_t configured = options.max_connections_per_uid != 0
                                ? options.max_connections_per_uid
                                : options.max_connections / 4;
  return std::clamp<size_t>(configured, 1, std::max<size_t>(1, options.max_connections));
}

StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options, Vault* vault) {
  VAULT_RETURN_IF_ERROR(CheckOptions(options));
  VAULT_RETURN_IF_ERROR(ClaimSocketPath(options.socket_path));
  std::unique_ptr<Server> server(new Server(std::move(options), vault));
  VAULT_RETURN_IF_ERROR(server->Listen());
  return server;
}

// One thread runs each io_context: the concurrency hint 1 lets handlers it
// posts to itself skip the scheduler's lock. Posts from other threads (the
// group committer, the worker pool) still lock it.
Server::IoLoop::IoLoop() : ioc(1), guard(asio::make_work_guard(ioc)) {}

Server::Server(ServerOptions options, Vault* vault)
    : options_(std::move(options)),
      max_connections_per_uid_(EffectiveMaxConnectionsPerUid(options_)),
      own_uid_(geteuid()),
      loops_([n = options_.io_threads] {
        std::vector<std::unique_ptr<IoLoop>> loops;
        for (size_t i = 0; i < n; ++i) loops.push_back(std::make_unique<IoLoop>());
        return loops;
      }()),
      workers_(options_.workers),
      metrics_([this] { return hub_.open_connections(); }, [this] { return SessionsByLoop(); }),
      router_(vault, options_.max_seq, options_.access, &metrics_),
      hub_(SessionLimits{.max_body_bytes = options_.max_body_bytes,
                         .idle_timeout = options_.idle_timeout,
                         .header_timeout = options_.header_timeout,
                         .body_timeout = options_.body_timeout,
                         .max_event_streams_per_uid = options_.max_event_streams_per_uid,
                         .event_heartbeat = options_.event_heartbeat},
           &router_, workers_.get_executor(), &metrics_),
      strand_(asio::make_strand(accept_ioc_)),
      acceptor_(strand_),
      signals_(strand_) {}

Server::~Server() { RemoveSocketFile(); }

Server::IoLoop& Server::LeastLoadedLoop() {
  IoLoop* least = loops_.front().get();
  for (const std::unique_ptr<IoLoop>& loop : loops_) {
    if (loop->share.sessions() < least->share.sessions()) least = loop.get();
  }
  return *least;
}

std::vector<size_t> Server::SessionsByLoop() const {
  std::vector<size_t> sessions;
  sessions.reserve(loops_.size());
  for (const std::unique_ptr<IoLoop>& loop : loops_) sessions.push_back(loop->share.sessions());
  return sessions;
}

void Server::RemoveSocketFile() {
  if (!socket_created_) return;
  RemoveSocketFileIfOurs(options_.socket_path, socket_identity_);
  socket_created_ = false;
}

Status Server::Listen() {
  const std::string& path = options_.socket_path;
  boost::system::error_code ec;
  acceptor_.open(asio::local::stream_protocol(), ec);
  if (!ec) acceptor_.bind(asio::local::stream_protocol::endpoint(path), ec);
  if (ec) return Status::IOError("cannot bind " + path + ": " + ec.message());
  socket_created_ = true;
  StatusOr<FileIdentity> identity = IdentifyFile(path);
  if (!identity.ok()) return identity.status();
  socket_identity_ = *identity;
  // Writers and readers reach the daemon through the socket's group.
  if (options_.socket_gid.has_value() &&
      chown(path.c_str(), static_cast<uid_t>(-1), *options_.socket_gid) != 0) {
    return Status::IOError("cannot give " + path + " to group " +
                           std::to_string(*options_.socket_gid) + ": " + std::strerror(errno) +
                           " (vaultd must be a member of that group)");
  }
  if (chmod(path.c_str(), 0660) != 0) return Status::IOError("cannot chmod 0660 " + path);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + path + ": " + ec.message());
  // AcceptLoop accepts once the socket is readable. Non-blocking, and with
  // an aborted connection reported rather than waited past, an accept that
  // finds nothing returns to that wait instead of blocking the thread.
  acceptor_.non_blocking(true, ec);
  if (ec) return Status::IOError("cannot make " + path + " non-blocking: " + ec.message());
  acceptor_.set_option(asio::socket_base::enable_connection_aborted(true), ec);
  if (ec) {
    return Status::IOError("cannot set " + path +
                           " to report aborted connections: " + ec.message());
  }
  // Catch stop signals from now on: a SIGTERM right after the caller reports
  // readiness must still shut down cleanly.
  for (int signal_number : options_.stop_signals) {
    signals_.add(signal_number, ec);
    if (ec) return Status::Internal("cannot catch signal " + std::to_string(signal_number));
  }
  return Status::OK();
}

Status Server::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    LogEvent(spdlog::level::info, "signal", {{"signal", signal_number}});
    Shutdown();
  });
  asio::co_spawn(strand_, AcceptLoop(), LogCoroutineFailure);
  LogEvent(spdlog::level::info, "listening",
           {{"socket", options_.socket_path},
            {"workers", options_.workers},
            {"max_connections", options_.max_connections},
            {"max_connections_per_uid", max_connections_per_uid_}});

  std::vector<std::thread> io_threads;
  for (const std::unique_ptr<IoLoop>& loop : loops_) {
    io_threads.emplace_back([loop = loop.get()] {
      pthread_setname_np(pthread_self(), "vaultd-io");  // for top -H and perf
      loop->ioc.run();
    });
  }
  // This thread accepts and catches signals, and nothing else: an I/O
  // thread held up (a cache miss's read, the keyring's lock) holds up only
  // its own connections.
  accept_ioc_.run();
  for (std::thread& thread : io_threads) thread.join();
  workers_.join();
  LogEvent(spdlog::level::info, "stopped");
  return Status::OK();
}

void Server::Shutdown() {
  if (!hub_.BeginShutdown()) return;
  LogEvent(spdlog::level::info, "shutdown_begin");
  if (options_.on_stopping) options_.on_stopping();
  asio::post(strand_, [this] {
    // Unlink while still listening, so no successor can have taken the path.
    RemoveSocketFile();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    // No new connection can come now: each loop ends once its sessions have.
    for (const std::unique_ptr<IoLoop>& loop : loops_) loop->guard.reset();
  });
}

asio::awaitable<void> Server::AcceptLoop() {
  asio::steady_timer backoff(strand_);
  for (;;) {
    // Wait for a connection, then choose its I/O thread: chosen before the
    // wait, the choice would miss the connections that closed meanwhile.
    auto [ec] = co_await acceptor_.async_wait(asio::socket_base::wait_read,
                                              asio::as_tuple(asio::use_awaitable));
    if (hub_.stopping() || !acceptor_.is_open()) break;
    IoLoop& loop = LeastLoadedLoop();
    UnixSocket socket(loop.ioc.get_executor());
    if (!ec) acceptor_.accept(socket, ec);  // non-blocking (Listen)
    if (ec == asio::error::would_block || ec == asio::error::try_again ||
        ec == asio::error::connection_aborted || ec == boost::system::errc::protocol_error) {
      continue;  // nothing to accept after all
    }
    if (ec) {
      // E.g. EMFILE: back off instead of spinning.
      LogEvent(spdlog::level::warn, "accept_failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    StatusOr<PeerCred> peer = ReadPeerCred(socket.native_handle());
    if (!peer.ok()) {
      LogEvent(spdlog::level::warn, "connection_rejected", {{"reason", "no_peer_credentials"}});
      metrics_.RecordRejectedConnection(RejectReason::kNoPeerCredentials);
      continue;
    }
    std::optional<ConnectionSlot> slot = hub_.TryReserveSlot(options_.max_connections);
    if (!slot.has_value()) {
      LogEvent(spdlog::level::warn, "connection_rejected", {{"reason", "max_connections"}});
      metrics_.RecordRejectedConnection(RejectReason::kMaxConnections);
      RefuseOverCap(socket, "too_many_connections",
                    "the server has " + std::to_string(options_.max_connections) +
                        " connections open, its maximum; retry later",
                    hub_.NextRequestId());
      continue;  // `socket` closes as it goes out of scope
    }
    // Root and vaultd's own user could stop the daemon anyway; every other
    // uid leaves room for the others.
    const bool limited = peer->uid != 0 && peer->uid != own_uid_;
    std::optional<UidConnections::Slot> uid_slot =
        limited ? uid_connections_.TryReserve(peer->uid, max_connections_per_uid_) : std::nullopt;
    if (limited && !uid_slot.has_value()) {
      LogEvent(spdlog::level::warn, "connection_rejected",
               {{"reason", "max_connections_per_uid"}, {"uid", peer->uid}});
      metrics_.RecordRejectedConnection(RejectReason::kMaxConnectionsPerUid);
      RefuseOverCap(socket, "too_many_connections_for_user",
                    "this user has " + std::to_string(max_connections_per_uid_) +
                        " connections open, its maximum; retry later",
                    hub_.NextRequestId());
      continue;  // `slot` and `socket` are released as they go out of scope
    }
    LogEvent(spdlog::level::debug, "connection",
             {{"uid", peer->uid}, {"gid", peer->gid}, {"pid", peer->pid}});
    // The uid's slot goes with the connection's slot: both are released
    // when the session ends, so the per-uid counts never lag behind
    // vault_http_connections_open.
    if (uid_slot.has_value()) slot->HoldUidSlot(std::move(*uid_slot));
    auto session =
        std::make_shared<Session>(&hub_, &loop.share, std::move(socket), *peer, std::move(*slot));
    asio::co_spawn(session->executor(), Session::Run(session), LogCoroutineFailure);
  }
}

}  // namespace vault
