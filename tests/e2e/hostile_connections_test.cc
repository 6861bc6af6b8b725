// Thousands of connections against a real vaultd: over the cap they are
// answered 503 and closed, under it they are held without starving a
// well-formed client, and the daemon's peak memory (VmHWM) stays under a
// stated bound. Waits are on the server closing connections, bounded; nothing
// sleeps.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kConnections = 3000;
constexpr milliseconds kBound{60000};  // upper bound on any wait for the server
// The bound asserted on vaultd's peak resident memory under the load below.
constexpr uint64_t kPeakRssBoundKiB = 128 * 1024;
const std::string kHealth = "GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n";

// Raises this process's soft RLIMIT_NOFILE to at least `want` if the hard
// limit allows; false if it cannot. vaultd inherits the raised limit.
bool RaiseFileLimit(rlim_t want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < want) {
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < want) return false;
    limit.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  }
  return true;
}

// A field of /proc/<pid>/status in KiB ("VmHWM", "VmRSS"), or 0.
uint64_t ProcStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

StatusOr<Exposition> Scrape(Client& client) {
  VAULT_ASSIGN_OR_RETURN(std::string text, client.Metrics());
  return ParseExposition(text);
}

// Scrapes until vault_http_connections_open is `open`, bounded by kBound.
::testing::AssertionResult OpenConnectionsReach(Client& client, double open) {
  const auto deadline = Clock::now() + kBound;
  double seen = -1;
  while (Clock::now() < deadline) {
    auto e = Scrape(client);
    if (!e.ok()) return ::testing::AssertionFailure() << e.status().ToString();
    seen = e->ValueOr0("vault_http_connections_open");
    if (seen == open) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "open connections " << seen << ", expected " << open;
}

std::vector<RawConnection> OpenMany(const std::string& socket_path, size_t n) {
  std::vector<RawConnection> connections;
  connections.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto raw = RawConnection::Open(socket_path);
    EXPECT_TRUE(raw.ok()) << "connection " << i << ": " << raw.status().ToString();
    if (!raw.ok()) break;
    connections.push_back(std::move(raw).value());
  }
  return connections;
}

class HostileConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RaiseFileLimit(2 * kConnections + 512)) {
      GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low for " << kConnections << " connections";
    }
  }
};

TEST_F(HostileConnectionsTest, OverTheCapNewConnectionsGet503AndTheDaemonRecovers) {
  constexpr size_t kCap = 1000;
  Daemon daemon({"--max-connections", std::to_string(kCap), "--idle-timeout", "5s"});
  ASSERT_OK(daemon.Start());
  std::vector<RawConnection> held = OpenMany(daemon.socket_path(), kConnections);
  ASSERT_EQ(held.size(), kConnections);

  // A well-formed client queued behind them is answered at once, within the
  // policy: 503 and a close, not a hang.
  auto late = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(late);
  (void)late->Send(kHealth);  // the server may have closed already
  auto refused = late->ReadUntilClose(kBound);
  ASSERT_OK(refused);
  EXPECT_TRUE(IsRawJsonError(*refused, 503, "too_many_connections")) << *refused;
  EXPECT_EQ(HeaderOf(*refused, "Connection"), "close");

  // The first kCap were served (they send nothing, so the idle timeout closes
  // them without a word); every later one got the 503.
  size_t answered_503 = 0;
  size_t closed_silently = 0;
  for (RawConnection& raw : held) {
    auto received = raw.ReadUntilClose(kBound);
    ASSERT_OK(received);
    if (received->empty()) {
      ++closed_silently;
    } else {
      EXPECT_TRUE(IsRawJsonError(*received, 503, "too_many_connections")) << *received;
      ++answered_503;
    }
  }
  EXPECT_EQ(closed_silently, kCap);
  EXPECT_EQ(answered_503, kConnections - kCap);

  // Once they are gone it serves normally.
  auto client = daemon.Connect();
  ASSERT_OK(client);
  ASSERT_OK((*client)->Health());
  EXPECT_TRUE(OpenConnectionsReach(**client, 1.0));
  auto e = Scrape(**client);
  ASSERT_OK(e);
  EXPECT_EQ(e->ValueOr0("vault_http_connections_rejected_total", {{"reason", "max_connections"}}),
            static_cast<double>(answered_503 + 1));
  EXPECT_EQ(e->ValueOr0("vault_http_connections_timed_out_total", {{"phase", "idle"}}),
            static_cast<double>(kCap));
  EXPECT_GT(ProcStatusKiB(daemon.pid(), "VmHWM"), 0u);
}

TEST_F(HostileConnectionsTest, PeakMemoryStaysBoundedUnderHostileLoad) {
  constexpr size_t kBodyCap = 16 * 1024;
  // Deadlines long enough that every hostile connection is still held when
  // memory is measured.
  Daemon daemon({"--max-connections", "4000", "--max-body-bytes", std::to_string(kBodyCap),
                 "--header-timeout", "60s", "--body-timeout", "60s", "--idle-timeout", "60s"});
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);
  ASSERT_OK((*client)->Health());
  const uint64_t baseline_kib = ProcStatusKiB(daemon.pid(), "VmHWM");
  ASSERT_GT(baseline_kib, 0u);

  // A third send nothing, a third half a header (1 KiB), a third a header
  // declaring a body at the cap and half of that body.
  std::vector<RawConnection> held = OpenMany(daemon.socket_path(), kConnections);
  ASSERT_EQ(held.size(), kConnections);
  const std::string half_header =
      "POST /v1/transcripts HTTP/1.1\r\nX-Pad: " + std::string(1024, 'p');
  const std::string half_body =
      "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(kBodyCap) + "\r\n\r\n" + std::string(kBodyCap / 2, ' ');
  for (size_t i = 0; i < held.size(); ++i) {
    if (i % 3 == 1) ASSERT_OK(held[i].Send(half_header));
    if (i % 3 == 2) ASSERT_OK(held[i].Send(half_body));
  }
  // Hostile requests on top: huge length, deep nesting, invalid UTF-8.
  auto post = [](const std::string& length, const std::string& body) {
    return "POST /v1/transcripts HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " +
           length + "\r\n\r\n" + body;
  };
  const std::string deep(15000, '[');
  const std::string invalid = "{\"service\":\"\xc0\xaf\"}";
  for (const std::string& request :
       {post("10000000000", ""), post(std::to_string(deep.size()), deep),
        post(std::to_string(invalid.size()), invalid)}) {
    auto raw = RawConnection::Open(daemon.socket_path());
    ASSERT_OK(raw);
    ASSERT_OK(raw->Send(request));
    auto response = raw->ReadResponse(kBound);
    ASSERT_OK(response);
    EXPECT_GE(StatusCodeOf(*response), 400) << *response;
  }
  // While all of that is held, a well-formed client is served. Every held
  // connection has been accepted by then: this one queued behind them.
  {
    auto probe = RawConnection::Open(daemon.socket_path());
    ASSERT_OK(probe);
    ASSERT_OK(probe->Send(kHealth));
    auto answer = probe->ReadResponse(kBound);
    ASSERT_OK(answer);
    EXPECT_EQ(StatusCodeOf(*answer), 200) << *answer;
  }
  ASSERT_OK((*client)->Health());
  auto during = Scrape(**client);
  ASSERT_OK(during);
  EXPECT_GE(during->ValueOr0("vault_http_connections_open"), static_cast<double>(kConnections));

  const uint64_t peak_kib = ProcStatusKiB(daemon.pid(), "VmHWM");
  std::cout << "vaultd VmHWM: " << baseline_kib << " KiB before, " << peak_kib << " KiB under "
            << kConnections << " hostile connections (bound " << kPeakRssBoundKiB << " KiB)\n";
  RecordProperty("vaultd_vmhwm_baseline_kib", std::to_string(baseline_kib));
  RecordProperty("vaultd_vmhwm_peak_kib", std::to_string(peak_kib));
  EXPECT_LT(peak_kib, kPeakRssBoundKiB);

  // The load goes away: every session ends, nothing was stored, and the
  // daemon serves normally.
  held.clear();
  EXPECT_TRUE(OpenConnectionsReach(**client, 1.0));
  auto after = Scrape(**client);
  ASSERT_OK(after);
  EXPECT_EQ(after->ValueOr0("vault_transcripts", {{"state", "open"}}), 0.0);
  EXPECT_OK((*client)->CreateTranscript({"svc", {}}));
}

}  // namespace
}  // namespace vault::testing
