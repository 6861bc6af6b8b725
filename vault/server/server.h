// Server: vaultd's HTTP/1.1 + JSON API on a Unix domain socket.
//
// Create() claims the socket path (refusing a directory that others may write
// to, where anyone could replace the socket; refusing if another vaultd
// listens on it; removing a stale file otherwise), binds, gives the socket to socket_gid if
// set, sets mode 0660 and listens: once it returns, clients can connect. Run() then serves until
// SIGTERM/SIGINT (or Shutdown()), with `io_threads` threads doing socket I/O and `workers` threads
// running Vault calls, so concurrent writers share fsyncs. Each I/O thread runs an io_context of
// its own, and a new connection goes to the one serving the fewest (the first of those tied): a
// connection's reads, writes and answers from the group committer stay on one thread, and no
// thread wakes another to hand it a ready socket. The thread that calls Run() accepts and
// catches signals.
//
// Shutdown is graceful: remove the socket file and stop accepting, close idle
// connections, let in-flight requests finish (answered with
// "Connection: close"), then return from Run().
//
// On accept, SO_PEERCRED (uid, gid, pid) is read and kept with the
// connection. Above max_connections a new connection is accepted, answered
// 503 too_many_connections (without reading its request) and closed; the
// connections already open are not disturbed. Likewise a connection from a uid
// that already has max_connections_per_uid open is answered 503
// too_many_connections_for_user and closed, so one local user cannot take
// every slot: max_connections - max_connections_per_uid stay free for other
// uids. Root and vaultd's own uid (which can stop the daemon anyway) are
// counted only against max_connections.
//
// Thread safety: Shutdown() may be called from any thread; everything else
// from the thread that owns the Server. The Vault must outlive the Server.
#ifndef VAULT_SERVER_SERVER_H_
#define VAULT_SERVER_SERVER_H_

#include <signal.h>
#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vault/access.h"
#include "vault/common/thread_annotations.h"
#include "vault/server/metrics.h"
#include "vault/server/router.h"
#include "vault/server/session.h"
#include "vault/server/socket_file.h"
#include "vault/status.h"
#include "vault/vault.h"

namespace vault {

struct ServerOptions {
  std::string socket_path;
  // The group the socket file is given (chown) before it is made 0660; if
  // unset it keeps the process's group. The process must belong to it.
  std::optional<gid_t> socket_gid;
  size_t max_body_bytes = 1 << 20;
  // Deadlines of a connection (see session.h): waiting for a request and
  // writing a response; receiving a request's header; receiving its body.
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  size_t max_connections = 1024;
  // Connections one uid may have open at once; 0: a quarter of
  // max_connections (at least 1). Never more than max_connections.
  size_t max_connections_per_uid = 0;
  // Event feeds (GET /v1/events) one uid may have open at once; more are
  // answered 429 too_many_event_streams. Each also holds a connection.
  size_t max_event_streams_per_uid = 4;
  // How often an event feed with nothing to send writes a comment line.
  std::chrono::milliseconds event_heartbeat{15000};
  size_t workers = 32;         // threads running Vault calls
  size_t io_threads = 2;       // threads doing socket I/O, an io_context each
  uint64_t max_seq = 1000000;  // Options::max_seq of the Vault
  // Who may call what (see vault/access.h). Empty: nobody may do anything.
  AccessPolicy access;
  std::vector<int> stop_signals = {SIGTERM, SIGINT};
  // Called once when shutdown begins (vaultd sends STOPPING=1 from it).
  std::function<void()> on_stopping;
};

// max_connections_per_uid with its default applied and capped at
// max_connections.
size_t EffectiveMaxConnectionsPerUid(const ServerOptions& options);

class Server {
 public:
  static StatusOr<std::unique_ptr<Server>> Create(ServerOptions options, Vault* vault);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until shutdown has begun and every connection has ended. Call once.
  Status Run();
  // Begins a graceful shutdown; idempotent.
  void Shutdown();

  const std::string& socket_path() const { return options_.socket_path; }

 private:
  Server(ServerOptions options, Vault* vault);
  Status Listen();
  boost::asio::awaitable<void> AcceptLoop();
  // Unlinks the socket file if this server created it; on strand_ once
  // Run() has started.
  void RemoveSocketFile();

  const ServerOptions options_;
  const size_t max_connections_per_uid_;  // EffectiveMaxConnectionsPerUid()
  const uid_t own_uid_;                   // geteuid(): not limited per uid
  // One I/O thread's io_context, and what its sessions share (their
  // mailbox and count; declared before the io_context, so that a session a
  // destroyed handler still held uncounts itself in it). `guard` keeps run()
  // from returning before shutdown while the loop has no connection. Run()
  // returns only once every loop has run out of work, so none is destroyed
  // with a session or an answer still in it.
  struct IoLoop {
    IoLoop();
    IoThreadShare share;
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  };

  // The loop with the fewest sessions (the first of those tied).
  IoLoop& LeastLoadedLoop();
  // Each loop's sessions, in loop order (for the metrics).
  std::vector<size_t> SessionsByLoop() const;

  // Before loops_: a session's ConnectionSlot holds its uid's slot.
  UidConnections uid_connections_;
  // io_threads of them, each run by a thread of its own.
  std::vector<std::unique_ptr<IoLoop>> loops_;
  // Run by the thread that calls Run(): the acceptor and the signal set.
  boost::asio::io_context accept_ioc_{1};
  boost::asio::thread_pool workers_;
  ServerMetrics metrics_;
  const Router router_;
  SessionHub hub_;
  // The acceptor and the signal set live on one strand of accept_ioc_.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::signal_set signals_;
  FileIdentity socket_identity_;  // set by Listen()
  bool socket_created_ = false;   // the file exists and is ours to remove
};

}  // namespace vault

#endif  // VAULT_SERVER_SERVER_H_
