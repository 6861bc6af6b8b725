// Fuzz target: a real vaultd server (vault/server/server.h: sessions, the
// RFC 9112 framing checks of session.h, the Router) on a Unix socket in a
// scratch directory, in front of a stub Vault. Each input is one connection:
// its bytes are sent, the sending side is shut down, and everything the
// server answers is read until it closes.
//
// Input: the raw bytes a client sends. Checks: the server answers with a
// well-formed sequence of HTTP/1.1 (to 1.0 clients 1.0) responses (a final one may be cut only by
// the server closing after an error), none 500, errors with the JSON error
// body; the server closes the connection every time (a hang is caught by
// the run's -timeout); and it keeps accepting (each input connects anew).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "fixed_keys.h"
#include "http_check.h"
#include "stub_vault.h"
#include "vault/server/server.h"

namespace {

namespace http = boost::beast::http;

const std::string& SocketPath() {
  static const std::string path = [] {
    static vault::fuzz::StubVault stub;
    vault::ServerOptions options;
    options.socket_path = vault::fuzz::ScratchDir() + "/vaultd.sock";
    options.access = vault::AccessPolicy::OwnerOnly(::geteuid());
    options.workers = 2;
    options.io_threads = 1;
    options.stop_signals = {};  // libFuzzer handles SIGINT and SIGTERM itself
    auto server = vault::Server::Create(options, &stub);
    FUZZ_CHECK(server.ok());
    vault::Server* s = server->release();  // serves until the process exits
    std::thread([s] { (void)s->Run(); }).detach();
    return options.socket_path;
  }();
  return path;
}

// One connection: sends `bytes`, shuts down writing, reads until EOF.
std::string Exchange(std::string_view bytes) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, SocketPath().c_str(), sizeof(addr.sun_path) - 1);
  FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed after an error: the rest is moot
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

// What the server answered, for the report of a failed check.
void PrintAnswer(std::string_view answer) {
  std::fprintf(stderr, "server answered %zu bytes:\n%.*s\n", answer.size(),
               static_cast<int>(std::min<size_t>(answer.size(), 2048)), answer.data());
}

void CheckAnswer(std::string_view all) {
  std::string_view answer = all;
  while (!answer.empty()) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = parser.put(boost::asio::buffer(answer.data(), answer.size()), ec);
    if (!ec && !parser.is_done() && parser.is_header_done()) {
      // A body delimited by the connection's end.
      parser.put_eof(ec);
      used = answer.size();
    }
    if (ec || !parser.is_done()) PrintAnswer(all);
    FUZZ_CHECK(!ec && parser.is_done());
    const auto& response = parser.get();
    FUZZ_CHECK(response.version() == 11 || response.version() == 10);
    if (response.result_int() != 100) {
      vault::fuzz::CheckResponse(response.result_int(), response.body());
    }
    answer.remove_prefix(used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckAnswer(Exchange(vault::fuzz::AsText(data, size)));
  return 0;
}
