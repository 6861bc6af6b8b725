// Clients for the roles e2e tests: each call runs in a forked child that
// drops to an identity's uid, gid and groups before it connects.
#include "tests/e2e/roles_fixture.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "tests/support/raw_http.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

std::string Request(const Call& call) {
  std::string out = call.method + " " + call.target + " HTTP/1.1\r\nHost: vault\r\n";
  if (!call.body.empty()) out += "Content-Type: " + call.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(call.body.size()) + "\r\n\r\n" + call.body;
  return out;
}


}  // namespace

// Runs `calls` in order, one connection each, in a child process running as
// `who`. The child reports each reply as "status\n<length>\n<body>".
std::vector<Reply> RunAs(const Identity& who, const std::string& socket,
                         const std::vector<Call>& calls) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return {};
  }
  if (pid == 0) {
    close(fds[0]);
    if (setgroups(who.groups.size(), who.groups.data()) != 0 ||
        setresgid(who.gid, who.gid, who.gid) != 0 || setresuid(who.uid, who.uid, who.uid) != 0) {
      _exit(90);
    }
    std::string out;
    for (const Call& call : calls) {
      Reply reply;
      auto connection = RawConnection::Open(socket);
      if (!connection.ok()) {
        reply.status = -1;
        reply.body = connection.status().message();
      } else {
        connection->RecordAs(call.method, call.target);
        auto response = connection->Send(Request(call)).ok()
                            ? connection->ReadResponse()
                            : StatusOr<std::string>(Status::Unavailable("send failed"));
        if (response.ok()) {
          reply.status = StatusCodeOf(*response);
          reply.body = BodyOf(*response);
        } else {
          reply.status = -2;
        }
      }
      out += std::to_string(reply.status) + "\n" + std::to_string(reply.body.size()) + "\n" +
             reply.body;
    }
    _exit(WriteAll(fds[1], out) ? 0 : 91);
  }
  close(fds[1]);
  std::string in;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
      << who.name << ": client process failed, status " << wstatus;
  std::vector<Reply> replies;
  size_t pos = 0;
  while (pos < in.size()) {
    Reply reply;
    const size_t a = in.find('\n', pos);
    const size_t b = in.find('\n', a + 1);
    if (a == std::string::npos || b == std::string::npos) break;
    reply.status = std::stoi(in.substr(pos, a - pos));
    const size_t length = std::stoul(in.substr(a + 1, b - a - 1));
    reply.body = in.substr(b + 1, length);
    pos = b + 1 + length;
    replies.push_back(std::move(reply));
  }
  EXPECT_EQ(replies.size(), calls.size()) << who.name;
  replies.resize(calls.size());
  return replies;
}

Reply RunOneAs(const Identity& who, const std::string& socket, const Call& call) {
  return RunAs(who, socket, {call}).front();
}

std::string Field(const std::string& body, const char* key) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains(key)) return "";
  const json::value& field = v.as_object().at(key);
  if (field.is_string()) return std::string(field.as_string());
  return json::serialize(field);
}

std::string Message(int seq) {
  return R"({"seq":)" + std::to_string(seq) +
         R"(,"from":"visitor","text":"hi","sent_at":"2026-11-22T10:00:00Z"})";
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace vault::testing
