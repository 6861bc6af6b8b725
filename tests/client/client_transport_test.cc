// The client's transport against a scripted peer on a real Unix socket:
// what vaultd never does on purpose but a socket can still deliver (a reply
// in pieces, cut short, stalled, ended by the close of the connection), and
// the exact bytes of the requests it frames. Everything vaultd does answer is
// tested against a real vaultd in client_test.cc and the e2e suites.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <linux/sockios.h>

#include <atomic>
#include <cstdint>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "vault/client.h"

namespace vault {
namespace {

using std::chrono::milliseconds;

// A listening socket in the test's directory, and a thread that accepts
// connections one after the other and runs `script` on each (its index and
// its descriptor); the descriptor is closed when the script returns.
class ScriptedPeer {
 public:
  using Script = std::function<void(int index, int fd)>;

  explicit ScriptedPeer(Script script) : script_(std::move(script)) {
    // Under /tmp, as the daemon's sockets are: a build directory's path can
    // be longer than a socket's address allows.
    path_ = "/tmp/tvc-" + std::to_string(::getpid()) + "-" + std::to_string(next_id_++) + ".sock";
    ::unlink(path_.c_str());
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0)
        << std::strerror(errno);
    EXPECT_EQ(::listen(listener_, 4), 0);
    thread_ = std::thread([this] {
      for (int index = 0;; ++index) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;  // the listener was shut down
        script_(index, fd);
        ::close(fd);
        const std::lock_guard<std::mutex> lock(mu_);
        ++finished_;
        finished_cv_.notify_all();
      }
    });
  }

  ~ScriptedPeer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
    ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }

  // Waits until the scripts of `n` connections have returned.
  void AwaitFinished(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    finished_cv_.wait(lock, [&] { return finished_ >= n; });
  }

 private:
  static inline std::atomic<int> next_id_{0};
  Script script_;
  std::mutex mu_;
  std::condition_variable finished_cv_;
  int finished_ = 0;
  std::string path_;
  int listener_ = -1;
  std::thread thread_;
};

// A timeout far above what any step here takes, so that a regression fails
// the test rather than hanging it for the default minute.
ClientOptions Options(milliseconds timeout = milliseconds(10000)) {
  ClientOptions options;
  options.timeout = timeout;
  return options;
}

// Reads one request (a header, then Content-Length bytes of body) from `fd`;
// "" if the connection ends first.
std::string ReadRequest(int fd) {
  std::string bytes;
  char buf[65536];
  size_t header_end = std::string::npos;
  size_t want = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = bytes.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        header_end += 4;
        const size_t at = bytes.find("Content-Length: ");
        want = header_end;
        if (at != std::string::npos && at < header_end) {
          want += std::stoul(bytes.substr(at + 16));
        }
      }
    }
    if (header_end != std::string::npos && bytes.size() >= want) return bytes;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return "";
    bytes.append(buf, static_cast<size_t>(n));
  }
}

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << std::strerror(errno);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Sends `bytes` and returns once the client has read all of them (for a
// Unix socket SIOCOUTQ counts what the receiver has not read yet), so that
// the next send arrives in a read of its own.
void SendAndAwaitRead(int fd, std::string_view bytes) {
  SendAll(fd, bytes);
  for (;;) {
    int unread = 0;
    ASSERT_EQ(::ioctl(fd, SIOCOUTQ, &unread), 0) << std::strerror(errno);
    if (unread == 0) return;
    pollfd p{fd, POLLHUP, 0};
    ::poll(&p, 1, 1);  // the client is reading; also ends if it went away
    if ((p.revents & POLLHUP) != 0) return;
  }
}

// Blocks until the client closes the connection; the bytes that came
// before the close.
size_t AwaitClose(int fd) {
  char buf[4096];
  size_t bytes = 0;
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) bytes += static_cast<size_t>(n);
  return bytes;
}

TEST(ClientTransportTest, AReplyDeliveredInPiecesIsReadWhole) {
  const std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Piece: yes\r\n"
      "Content-Length: 27\r\n\r\n{\"status\":\"ok\",\"pieces\":12}";
  std::atomic<int> connections{0};
  ScriptedPeer peer([&](int, int fd) {
    ++connections;
    for (int round = 0; round < 2; ++round) {
      if (ReadRequest(fd).empty()) return;
      // One byte at a time through the status line and the header, then
      // the body in two parts: every split a read can see.
      const size_t body_at = reply.find("\r\n\r\n") + 4;
      for (size_t i = 0; i < body_at; ++i) SendAndAwaitRead(fd, reply.substr(i, 1));
      SendAndAwaitRead(fd, reply.substr(body_at, 5));
      SendAndAwaitRead(fd, reply.substr(body_at + 5));
    }
    AwaitClose(fd);
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  for (int round = 0; round < 2; ++round) {  // the second on the same connection
    auto got = (*client)->Request("GET", "/v1/health", "", "");
    ASSERT_OK(got);
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, "{\"status\":\"ok\",\"pieces\":12}");
    EXPECT_EQ(got->Header("x-piece"), "yes");
  }
  client->reset();
  EXPECT_EQ(connections.load(), 1);
}

TEST(ClientTransportTest, RequestsAreFramedWithTheirLengthAndHeaders) {
  std::vector<std::string> seen;
  std::mutex mu;
  ScriptedPeer peer([&](int, int fd) {
    for (;;) {
      std::string request = ReadRequest(fd);
      if (request.empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(std::move(request));
      }
      SendAll(fd, "HTTP/1.1 204 No Content\r\n\r\n");
    }
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));
  ASSERT_OK((*client)->Request("POST", "/v1/transcripts/x/close", "", ""));
  ASSERT_OK((*client)->Request("POST", "/v1/transcripts", "{\"service\":\"svc\"}",
                               "application/json", {{"Idempotency-Key", " k-1\t"}}));
  ASSERT_OK((*client)->Request("HEAD", "/v1/health", "", ""));
  ASSERT_OK((*client)->Request("GET", "/v1/odd", "ab", "text/plain"));
  ASSERT_OK((*client)->Request("delete", "/v1/odd", "", ""));
  // Refused before anything is sent: CR or LF in a value, a name that is
  // not a token, and the framing headers, in any case.
  const Client::Headers refused[] = {{{"X-Bad", "a\r\nb"}},
                                     {{"X Bad", "a"}},
                                     {{"", "a"}},
                                     {{"X-Bad:", "a"}},
                                     {{"content-length", "5"}},
                                     {{"Transfer-Encoding", "chunked"}}};
  for (const Client::Headers& headers : refused) {
    auto bad = (*client)->Request("POST", "/v1/health", "", "", headers);
    EXPECT_EQ(bad.status().reason(), "invalid_header") << headers[0].first;
  }
  EXPECT_EQ((*client)->Request("POST", "/v1/health", "", "", {{"Expect", "100-continue"}})
                .status()
                .reason(),
            "invalid_header");
  EXPECT_EQ((*client)->Request("POST", "/v1/health", "", "x\r\nTransfer-Encoding: chunked")
                .status()
                .reason(),
            "invalid_header");
  // And a method or target that would break the request line.
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GE T", "/v1/health"},
                                                        {"", "/v1/health"},
                                                        {"GET", ""},
                                                        {"GET", "/v1/a b"},
                                                        {"GET", "/v1/a\r\nX-Bad: 1"},
                                                        {"GET", std::string("/v1/\0", 5)}}) {
    EXPECT_EQ((*client)->Request(method, target, "", "").status().reason(), "invalid_request")
        << method << " " << target;
  }
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));  // still usable
  client->reset();  // closes the connection: the peer's script returns
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[0], "GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n");
  EXPECT_EQ(seen[1],
            "POST /v1/transcripts/x/close HTTP/1.1\r\nHost: vault\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(seen[2],
            "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
            "Idempotency-Key: k-1\r\nContent-Length: 17\r\n\r\n{\"service\":\"svc\"}");
  EXPECT_EQ(seen[3], "HEAD /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n");
  EXPECT_EQ(seen[4],
            "GET /v1/odd HTTP/1.1\r\nHost: vault\r\nContent-Type: text/plain\r\n"
            "Content-Length: 2\r\n\r\nab");
  EXPECT_EQ(seen[5], "delete /v1/odd HTTP/1.1\r\nHost: vault\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(seen[6], seen[0]);
}

TEST(ClientTransportTest, ABodyLargerThanTheSocketBufferIsSentWhole) {
  // No period a skipped or repeated stretch could hide in.
  std::string body(8 << 20, '\0');
  uint64_t x = 88172645463325252u;
  for (char& c : body) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  std::atomic<bool> matched{false};
  std::atomic<size_t> after{1};
  ScriptedPeer peer([&](int, int fd) {
    const std::string request = ReadRequest(fd);
    const size_t at = request.find("\r\n\r\n");
    matched = at != std::string::npos && request.compare(at + 4, std::string::npos, body) == 0;
    SendAll(fd, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    after = AwaitClose(fd);
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  auto got = (*client)->Request("POST", "/v1/big", body, "application/octet-stream");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, 201);
  client->reset();
  peer.AwaitFinished(1);
  EXPECT_TRUE(matched.load());
  EXPECT_EQ(after.load(), 0u);  // nothing past the body
}

TEST(ClientTransportTest, APeerThatStopsReadingTimesTheWriteOut) {
  // The peer reads nothing: a body far larger than the socket's buffers
  // stalls the write until the client gives up and closes.
  // (At most 20 s: a client that never gave up fails the test, not hangs it.)
  ScriptedPeer peer([&](int, int fd) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      pollfd p{fd, POLLRDHUP, 0};
      if (::poll(&p, 1, 100) < 0 && errno != EINTR) return;
      if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return;
    }
  });
  auto client = Client::Connect(peer.path(), Options(milliseconds(200)));
  ASSERT_OK(client);
  const auto start = std::chrono::steady_clock::now();
  auto got = (*client)->Request("POST", "/v1/big", std::string(64 << 20, 'x'), "text/plain");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable) << got.status().ToString();
  EXPECT_GE(waited, milliseconds(200));
  EXPECT_LT(waited, std::chrono::seconds(20));
}

TEST(ClientTransportTest, AFullBacklogTimesTheConnectOut) {
  // A listener that never accepts, with no room beyond one waiting
  // connection: the first connect is queued, the second waits for room.
  const std::string path = "/tmp/tvc-" + std::to_string(::getpid()) + "-backlog.sock";
  ::unlink(path.c_str());
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const bool listening = ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                         ::listen(listener, 0) == 0;
  if (!listening) ::close(listener);
  ASSERT_TRUE(listening) << std::strerror(errno);
  auto first = Client::Connect(path, Options(milliseconds(200)));
  ASSERT_OK(first);
  const auto start = std::chrono::steady_clock::now();
  auto second = Client::Connect(path, Options(milliseconds(200)));
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(listener);
  ::unlink(path.c_str());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("cannot connect"), std::string::npos)
      << second.status().message();
  EXPECT_GE(waited, milliseconds(200));
  EXPECT_LT(waited, std::chrono::seconds(20));
}

TEST(ClientTransportTest, AReplyEndedByTheCloseIsReadAndTheNextCallReconnects) {
  ScriptedPeer peer([&](int index, int fd) {
    if (ReadRequest(fd).empty()) return;
    if (index == 0) {
      SendAll(fd, "HTTP/1.1 200 OK\r\n\r\nuntil the end");
      return;  // closes: the end of the body
    }
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
    AwaitClose(fd);
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  auto first = (*client)->Request("GET", "/v1/health", "", "");
  ASSERT_OK(first);
  EXPECT_EQ(first->body, "until the end");
  auto second = (*client)->Request("GET", "/v1/health", "", "");
  ASSERT_OK(second);
  EXPECT_EQ(second->body, "second");
}

TEST(ClientTransportTest, AConnectionCloseReplyEndsTheConnection) {
  std::atomic<int> connections{0};
  std::atomic<size_t> after_close{1};
  ScriptedPeer peer([&](int index, int fd) {
    ++connections;
    if (ReadRequest(fd).empty()) return;
    SendAll(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    // The peer keeps its end open: only the client's own close ends this,
    // and a second request on it would be seen here.
    if (index == 0) after_close = AwaitClose(fd);
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));
  client->reset();
  peer.AwaitFinished(2);
  EXPECT_EQ(connections.load(), 2);
  EXPECT_EQ(after_close.load(), 0u);
}

TEST(ClientTransportTest, AReplyCutShortOnAReusedConnectionIsUnavailableAndNotRetried) {
  std::atomic<int> requests{0};
  std::atomic<int> connections{0};
  ScriptedPeer peer([&](int, int fd) {
    ++connections;
    if (ReadRequest(fd).empty()) return;
    ++requests;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    if (ReadRequest(fd).empty()) return;
    ++requests;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));
  // A GET on a reused connection would be sent again had it failed before
  // any byte of a reply; this one had begun.
  auto got = (*client)->Request("GET", "/v1/health", "", "");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(got.status().message().find(peer.path()), std::string::npos) << got.status().message();
  client->reset();
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(connections.load(), 1);
}

TEST(ClientTransportTest, AResetAfterPartOfAReplyIsACutShortReplyAndNotRetried) {
  std::atomic<int> connections{0};
  ScriptedPeer peer([&](int index, int fd) {
    ++connections;
    if (index > 0) return;  // a retry would show here
    if (ReadRequest(fd).empty()) return;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    // The next request's header only: closing with its body unread resets
    // the connection, after the part of a reply sent here.
    std::string header;
    char c;
    while (header.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) {
      header += c;
    }
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  ASSERT_OK((*client)->Request("GET", "/v1/health", "", ""));
  // An append is repeatable: had this failed before any byte of a reply,
  // it would be sent again on a fresh connection.
  auto got = (*client)->Request("POST", "/v1/transcripts/x/messages", std::string(1 << 20, 'm'),
                                "application/json");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable) << got.status().ToString();
  client->reset();
  peer.AwaitFinished(1);
  EXPECT_EQ(connections.load(), 1);
}

TEST(ClientTransportTest, AReusedConnectionClosedBeforeAnyReplyIsRetriedOnlyIfRepeatable) {
  std::atomic<int> connections{0};
  std::vector<std::string> seen;
  std::mutex mu;
  ScriptedPeer peer([&](int, int fd) {
    ++connections;
    for (int answered = 0;; ++answered) {
      std::string request = ReadRequest(fd);
      if (request.empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(request.substr(0, request.find("\r\n")));
      }
      // Each connection answers one request and closes on the next
      // without a byte: as a server that died between the two would.
      if (answered == 1) return;
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  ASSERT_OK((*client)->Request("GET", "/v1/a", "", ""));
  // The GET is sent, the connection ends unanswered, and it is sent once
  // more on a fresh one.
  ASSERT_OK((*client)->Request("GET", "/v1/b", "", ""));
  // An open without an Idempotency-Key is not.
  auto open = (*client)->Request("POST", "/v1/transcripts", "{}", "application/json");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), Status::Code::kUnavailable);
  // One with a key is (a fresh connection, answered; then the next request
  // on it ends unanswered and is sent again on another).
  ASSERT_OK((*client)->Request("GET", "/v1/c", "", ""));
  ASSERT_OK((*client)->Request("POST", "/v1/transcripts", "{}", "application/json",
                               {{"Idempotency-Key", "k-1"}}));
  client->reset();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"GET /v1/a HTTP/1.1", "GET /v1/b HTTP/1.1",
                                            "GET /v1/b HTTP/1.1",
                                            "POST /v1/transcripts HTTP/1.1", "GET /v1/c HTTP/1.1",
                                            "POST /v1/transcripts HTTP/1.1",
                                            "POST /v1/transcripts HTTP/1.1"}));
  EXPECT_EQ(connections.load(), 4);
}

TEST(ClientTransportTest, AReplyThatStallsTimesOut) {
  ScriptedPeer peer([&](int, int fd) {
    if (ReadRequest(fd).empty()) return;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Le");
    AwaitClose(fd);  // until the client gives up
  });
  auto client = Client::Connect(peer.path(), Options(milliseconds(200)));
  ASSERT_OK(client);
  const auto start = std::chrono::steady_clock::now();
  auto got = (*client)->Request("GET", "/v1/health", "", "");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable);
  EXPECT_GE(waited, milliseconds(200));
  EXPECT_LT(waited, std::chrono::seconds(20));
}

TEST(ClientTransportTest, AHeadReplyHasNoBodyAndTheConnectionIsReused) {
  std::atomic<int> connections{0};
  ScriptedPeer peer([&](int, int fd) {
    ++connections;
    if (ReadRequest(fd).empty()) return;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
    if (ReadRequest(fd).empty()) return;
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    AwaitClose(fd);
  });
  auto client = Client::Connect(peer.path(), Options());
  ASSERT_OK(client);
  auto head = (*client)->Request("HEAD", "/v1/health", "", "");
  ASSERT_OK(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  auto get = (*client)->Request("GET", "/v1/health", "", "");
  ASSERT_OK(get);
  EXPECT_EQ(get->body, "ok");
  client->reset();
  EXPECT_EQ(connections.load(), 1);
}

TEST(ClientTransportTest, AnEmptySocketPathOrOneWithANulIsAClearError) {
  for (const std::string& path : {std::string(), std::string("/tmp/a\0b", 8)}) {
    auto client = Client::Connect(path);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.status().code(), Status::Code::kUnavailable);
    EXPECT_NE(client.status().message().find("cannot connect"), std::string::npos)
        << client.status().message();
  }
}

TEST(ClientTransportTest, ASocketPathTooLongForUnixSocketsIsAClearError) {
  const std::string path = std::string(VAULT_TEST_TMPDIR) + "/" + std::string(200, 'p') + ".sock";
  auto client = Client::Connect(path);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(client.status().message().find("cannot connect"), std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace vault
