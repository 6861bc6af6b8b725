// The per-uid connection limit against a real vaultd: one uid holding its
// maximum of connections gets 503 too_many_connections_for_user for the next
// one (counted in /metrics), while a writer under another uid is answered
// within a second. Clients run in forked children under the roles tests'
// identities (roles_fixture.h). Every wait is bounded (poll, read timeouts);
// nothing sleeps.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/roles_fixture.h"
#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"

namespace vault::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kBound{30000};  // upper bound on any wait for the server
constexpr milliseconds kAnswerWithin{1000};
const std::string kHealth = "GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n";


// A forked child running as an identity. It runs `body`, writes what it
// returns to the parent followed by a '\0' marker, then holds
// everything it opened until the parent calls Release() (or goes away).
class ClientProcess {
 public:
  ClientProcess(const Identity& who, const std::function<std::string()>& body) {
    int report[2];
    int release[2];
    if (pipe2(report, O_CLOEXEC) != 0 || pipe2(release, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe: " << std::strerror(errno);
      return;
    }
    pid_ = fork();
    if (pid_ < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      return;
    }
    if (pid_ == 0) {
      close(report[0]);
      close(release[1]);
      if (setgroups(who.groups.size(), who.groups.data()) != 0 ||
          setresgid(who.gid, who.gid, who.gid) != 0 ||
          setresuid(who.uid, who.uid, who.uid) != 0) {
        _exit(90);
      }
      std::string out = body();
      out.push_back('\0');
      if (!WriteAll(report[1], out)) _exit(91);
      char byte;
      while (read(release[0], &byte, 1) < 0 && errno == EINTR) {
      }
      _exit(0);  // closes every connection the body left open
    }
    close(report[1]);
    close(release[0]);
    report_fd_ = report[0];
    release_fd_ = release[1];
  }

  ~ClientProcess() { Release(); }

  // What the body returned, waiting at most `timeout` for it.
  std::string Report(milliseconds timeout = kBound) {
    const auto deadline = Clock::now() + timeout;
    std::string in;
    char buffer[4096];
    while (report_fd_ >= 0) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        ADD_FAILURE() << "no report from the client process within " << timeout.count() << " ms";
        break;
      }
      pollfd p{report_fd_, POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;
      const ssize_t n = read(report_fd_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ADD_FAILURE() << "client process ended without a full report: " << in;
        break;
      }
      in.append(buffer, static_cast<size_t>(n));
      if (!in.empty() && in.back() == '\0') {
        in.pop_back();
        break;
      }
    }
    return in;
  }

  // Lets the child exit and reaps it; true if it exited 0.
  bool Release() {
    if (pid_ <= 0) return false;
    // A byte, not just EOF: children forked later hold copies of this pipe.
    if (release_fd_ >= 0) (void)WriteAll(release_fd_, "x");
    if (release_fd_ >= 0) close(release_fd_);
    if (report_fd_ >= 0) close(report_fd_);
    release_fd_ = report_fd_ = -1;
    int wstatus = 0;
    while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
  }

 private:
  pid_t pid_ = -1;
  int report_fd_ = -1;
  int release_fd_ = -1;
};

// Opens `n` connections and has each answered once (so the server has
// accepted and counted it), keeps them open, then opens one more and returns
// everything that one received until the server closed it. On a failure:
// "FAIL <what>".
std::string HoldThenOneMore(const std::string& socket, size_t n,
                            std::vector<RawConnection>* held) {
  for (size_t i = 0; i < n; ++i) {
    auto raw = RawConnection::Open(socket);
    if (!raw.ok()) return "FAIL open " + std::to_string(i) + ": " + raw.status().ToString();
    if (!raw->Send(kHealth).ok()) return "FAIL send " + std::to_string(i);
    auto response = raw->ReadResponse(kBound);
    if (!response.ok()) return "FAIL response " + std::to_string(i);
    // Any answer will do (a user without a role gets 403): the connection was
    // accepted and counted, and stays open.
    if (StatusCodeOf(*response) == 0 || HeaderOf(*response, "Connection") == "close") {
      return "FAIL answer " + std::to_string(i) + ": " + *response;
    }
    held->push_back(std::move(raw).value());
  }
  auto extra = RawConnection::Open(socket);
  if (!extra.ok()) return "FAIL open extra: " + extra.status().ToString();
  (void)extra->Send(kHealth);  // the server may have closed already
  auto refused = extra->ReadUntilClose(kBound);
  if (!refused.ok()) return "FAIL extra: " + refused.status().ToString();
  return *refused;
}

// A writer's create call, timed from connect to the end of the answer, which
// is awaited at most kAnswerWithin: "<status> <elapsed ms>\n<response>".
std::string TimedCreate(const std::string& socket, const std::string& service) {
  const std::string body = R"({"service":")" + service + R"("})";
  const std::string request =
      "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const auto start = Clock::now();
  auto raw = RawConnection::Open(socket);
  if (!raw.ok()) return "-1 0\n" + raw.status().ToString();
  if (!raw->Send(request).ok()) return "-2 0\n";
  auto response = raw->ReadResponse(kAnswerWithin);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  if (!response.ok()) return "-2 " + std::to_string(elapsed) + "\n" + response.status().ToString();
  return std::to_string(StatusCodeOf(*response)) + " " + std::to_string(elapsed) + "\n" + *response;
}

class ConnectionLimitsTest : public ::testing::Test {
 protected:
  // Root (the test) may scrape /metrics; root is not limited per uid.
  static std::vector<std::string> Flags(std::vector<std::string> extra) {
    std::vector<std::string> flags = {"--access.writer", "user:50001 services=alpha",
                                      "--access.admin",  "user:0",
                                      "--socket-group",  std::to_string(kSocketGroup)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  }

  void StartDaemon(std::vector<std::string> extra) {
    daemon_ = std::make_unique<Daemon>(Flags(std::move(extra)));
    ASSERT_OK(daemon_->Start());
    // The test's socket directory is 0700 root; let the clients traverse it.
    const std::string dir = std::filesystem::path(daemon_->socket_path()).parent_path();
    ASSERT_EQ(chmod(dir.c_str(), 0711), 0);
  }

  double Metric(const std::string& name, const Labels& labels = {}) {
    auto client = daemon_->Connect();
    EXPECT_OK(client);
    if (!client.ok()) return -1;
    auto text = (*client)->Metrics();
    EXPECT_OK(text);
    if (!text.ok()) return -1;
    auto e = ParseExposition(*text);
    EXPECT_OK(e);
    if (!e.ok()) return -1;
    return e->ValueOr0(name, labels);
  }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ConnectionLimitsTest, OneUidAtItsMaximumLeavesRoomForAWriterUnderAnotherUid) {
  constexpr size_t kPerUid = 6;
  StartDaemon({"--max-connections", "8", "--max-connections-per-uid", std::to_string(kPerUid)});
  const std::string socket = daemon_->socket_path();

  // An unknown local user (no role: its requests would be refused, but its
  // connections are accepted) holds its maximum and tries one more.
  std::vector<RawConnection> held;
  ClientProcess flooder(kUnknown, [&] { return HoldThenOneMore(socket, kPerUid, &held); });
  const std::string refused = flooder.Report();
  EXPECT_TRUE(IsRawJsonError(refused, 503, "too_many_connections_for_user")) << refused;
  EXPECT_EQ(HeaderOf(refused, "Connection"), "close") << refused;

  // While it still holds them, a writer under another uid is answered at once.
  ClientProcess writer(kWriterAlpha, [&] { return TimedCreate(socket, "alpha"); });
  const std::string answer = writer.Report();
  int status = 0;
  long long elapsed_ms = -1;
  ASSERT_EQ(std::sscanf(answer.c_str(), "%d %lld", &status, &elapsed_ms), 2) << answer;
  EXPECT_EQ(status, 201) << answer;
  EXPECT_LT(elapsed_ms, kAnswerWithin.count()) << answer;
  EXPECT_TRUE(writer.Release());

  EXPECT_EQ(Metric("vault_http_connections_rejected_total", {{"reason", "max_connections_per_uid"}}),
            1.0);
  EXPECT_EQ(Metric("vault_http_connections_rejected_total", {{"reason", "max_connections"}}), 0.0);
  EXPECT_TRUE(flooder.Release());
}

TEST_F(ConnectionLimitsTest, TheDefaultIsAQuarterOfMaxConnections) {
  StartDaemon({"--max-connections", "8"});  // 2 per uid
  const std::string socket = daemon_->socket_path();
  std::vector<RawConnection> held;
  ClientProcess flooder(kUnknown, [&] { return HoldThenOneMore(socket, 2, &held); });
  const std::string refused = flooder.Report();
  EXPECT_TRUE(IsRawJsonError(refused, 503, "too_many_connections_for_user")) << refused;
  // Another uid has its own two.
  ClientProcess second(kWriterAlpha, [&] { return HoldThenOneMore(socket, 2, &held); });
  const std::string also_refused = second.Report();
  EXPECT_TRUE(IsRawJsonError(also_refused, 503, "too_many_connections_for_user")) << also_refused;
  EXPECT_EQ(Metric("vault_http_connections_rejected_total", {{"reason", "max_connections_per_uid"}}),
            2.0);
  EXPECT_TRUE(flooder.Release());
  EXPECT_TRUE(second.Release());
}

TEST_F(ConnectionLimitsTest, AUidsSlotsComeBackWhenItsConnectionsClose) {
  StartDaemon({"--max-connections", "8", "--max-connections-per-uid", "1"});
  const std::string socket = daemon_->socket_path();
  for (int round = 0; round < 2; ++round) {
    std::vector<RawConnection> held;
    ClientProcess client(kUnknown, [&] { return HoldThenOneMore(socket, 1, &held); });
    const std::string refused = client.Report();
    EXPECT_TRUE(IsRawJsonError(refused, 503, "too_many_connections_for_user"))
        << "round " << round << ": " << refused;
    EXPECT_TRUE(client.Release());
    // The server notices the close and frees the slot: bounded by scraping
    // until no connection but the scrape's own is open.
    // (One reading is judged: a second scrape could count the first one's
    // connection, which the server may not have seen close yet.)
    const auto deadline = Clock::now() + kBound;
    double open = Metric("vault_http_connections_open");
    while (open != 1.0 && Clock::now() < deadline) open = Metric("vault_http_connections_open");
    ASSERT_EQ(open, 1.0) << "round " << round;
  }
}

TEST(ConnectionLimitsFlagsTest, PerUidLimitMustFitUnderMaxConnections) {
  RunResult over = RunVaultd({"--data-dir", MakeTestDir() + "/data", "--max-connections", "4",
                              "--max-connections-per-uid", "5"});
  EXPECT_NE(over.exit_status, 0) << over.output;
  EXPECT_NE(over.output.find("max-connections-per-uid"), std::string::npos) << over.output;
  RunResult zero = RunVaultd(
      {"--data-dir", MakeTestDir() + "/data", "--max-connections-per-uid", "0"});
  EXPECT_NE(zero.exit_status, 0) << zero.output;
}

}  // namespace
}  // namespace vault::testing
