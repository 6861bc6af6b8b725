// Hostile input against a real vaultd: every cap holds before the request is
// complete, every refusal is an HTTP error with a JSON body and changes
// nothing, and the daemon keeps answering well-formed clients.
//
// The deadlines here are short (header and body 300 ms) and the idle timeout
// long (60 s), so that which deadline closed a connection is observable.
// Tests wait for the server to close a connection (bounded by kBound); none
// sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kBodyCap = 64 * 1024;
constexpr size_t kTextCap = 1024;
constexpr milliseconds kRequestDeadline{300};  // --header-timeout and --body-timeout
constexpr milliseconds kIdleTimeout{60000};
constexpr milliseconds kBound{30000};  // upper bound on any wait for the server
constexpr milliseconds kDrip{50};      // a slow client's pause between bytes
constexpr char kSentAt[] = "2026-11-22T10:00:00.000Z";

class HostileTest : public DaemonTest {
 protected:
  HostileTest()
      : DaemonTest({"--max-body-bytes", std::to_string(kBodyCap), "--max-text-bytes",
                    std::to_string(kTextCap), "--header-timeout", "300ms", "--body-timeout",
                    "300ms", "--idle-timeout", "60s"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    auto created = client_->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    id_ = created->id;
    for (uint64_t seq = 0; seq < 2; ++seq)
      ASSERT_OK(client_->AppendMessage(id_, MakeMessage(seq, "m")));
    snapshot_ = Read();
    ASSERT_FALSE(snapshot_.empty());
  }

  std::string Messages() const { return "/v1/transcripts/" + id_ + "/messages"; }

  // A message body whose "text" is `text_json` (a JSON value, not escaped here).
  static std::string MessageBody(const std::string& text_json) {
    return R"({"seq":2,"from":"agent","text":)" + text_json + R"(,"sent_at":")" + kSentAt + R"("})";
  }

  // A POST header to `target` declaring `content_length`.
  static std::string PostHeader(const std::string& target, const std::string& content_length) {
    return "POST " + target + " HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + content_length + "\r\n\r\n";
  }

  std::string Read() {
    auto reply = client_->Request("GET", "/v1/transcripts/" + id_, "", "");
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() && reply->status == 200 ? reply->body : "";
  }

  StatusOr<Exposition> Scrape() {
    VAULT_ASSIGN_OR_RETURN(std::string text, client_->Metrics());
    return ParseExposition(text);
  }

  double Metric(std::string_view name, const Labels& labels = {}) {
    auto e = Scrape();
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? e->ValueOr0(name, labels) : -1;
  }

  // Scrapes until `name{labels}` reaches `value` (the server records some
  // events just after the client sees their effect), bounded by kBound.
  ::testing::AssertionResult MetricReaches(std::string_view name, const Labels& labels,
                                           double value) {
    const auto deadline = Clock::now() + kBound;
    double seen = -1;
    while (Clock::now() < deadline) {
      seen = Metric(name, labels);
      if (seen == value) return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << name << " is " << seen << ", expected " << value;
  }

  // Nothing was stored: the transcript reads back byte for byte as before and
  // no other transcript exists.
  void ExpectNothingStored(const std::string& what) {
    EXPECT_EQ(Read(), snapshot_) << "changed by " << what;
    EXPECT_EQ(Metric("vault_transcripts", {{"state", "open"}}), 1.0) << what;
    EXPECT_EQ(Metric("vault_transcripts", {{"state", "closed"}}), 0.0) << what;
  }

  // Sends `bytes` on a new connection, half-closes it if asked, and returns
  // everything the server sends before it closes the connection.
  std::string SendAndReadUntilClose(const std::string& bytes, bool half_close = false) {
    auto raw = RawConnection::Open(daemon_.socket_path());
    EXPECT_TRUE(raw.ok()) << raw.status().ToString();
    if (!raw.ok()) return "";
    // The server may refuse and close before it has read everything; what it
    // answered is still there to read.
    (void)raw->Send(bytes);
    if (half_close) EXPECT_OK(raw->ShutdownWrite());
    auto received = raw->ReadUntilClose(kBound);
    EXPECT_TRUE(received.ok()) << received.status().ToString();
    return received.ok() ? *received : "";
  }

  // Sends `bytes` one at a time, waiting up to kDrip after each for the server
  // to close the connection. Returns how long it kept the connection and what
  // it sent; fails if it was still open after kBound.
  struct Dripped {
    milliseconds open_for{0};
    std::string received;
    bool closed = false;
  };
  Dripped Drip(const std::string& prefix, const std::string& bytes) {
    Dripped result;
    auto raw = RawConnection::Open(daemon_.socket_path());
    EXPECT_TRUE(raw.ok()) << raw.status().ToString();
    if (!raw.ok()) return result;
    EXPECT_OK(raw->Send(prefix));
    const auto start = Clock::now();
    for (size_t i = 0; Clock::now() - start < kBound; i = (i + 1) % bytes.size()) {
      if (!raw->Send(bytes.substr(i, 1)).ok()) break;  // closed under us
      auto received = raw->ReadUntilClose(kDrip);
      if (received.ok()) {
        result.received = *received;
        result.closed = true;
        break;
      }
    }
    if (!result.closed) {
      auto received = raw->ReadUntilClose(kDrip);
      result.closed = received.ok();
      if (received.ok()) result.received = *received;
    }
    result.open_for = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return result;
  }

  std::string id_;
  std::string snapshot_;
};

TEST_F(HostileTest, HugeContentLengthGets413BeforeAnyBodyIsSent) {
  for (const std::string& target : {Messages(), std::string("/v1/transcripts")}) {
    auto raw = RawConnection::Open(daemon_.socket_path());
    ASSERT_OK(raw);
    ASSERT_OK(raw->Send(PostHeader(target, "10000000000")));
    // No body is sent: the answer must come from the header alone.
    auto response = raw->ReadUntilClose(kBound);
    ASSERT_OK(response);
    EXPECT_TRUE(IsRawJsonError(*response, 413, "too_large")) << *response;
    EXPECT_EQ(HeaderOf(*response, "Connection"), "close");
  }
  // Just over the cap is refused the same way; a length that overflows 64
  // bits is malformed.
  EXPECT_TRUE(
      IsRawJsonError(SendAndReadUntilClose(PostHeader(Messages(), std::to_string(kBodyCap + 1))),
                     413, "too_large"));
  EXPECT_TRUE(IsRawJsonError(SendAndReadUntilClose(PostHeader(Messages(), "184467440737095516160")),
                             400, "bad_request"));
  ExpectNothingStored("huge Content-Length");
}

TEST_F(HostileTest, ChunkedBodiesOverTheCapGet413) {
  const std::string head = "POST " + Messages() +
                           " HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n";
  // One chunk declared larger than the cap: refused before its data is sent.
  EXPECT_TRUE(IsRawJsonError(SendAndReadUntilClose(head + "100000\r\n"), 413, "too_large"));
  // Small chunks that add up to more than the cap.
  std::string many = head;
  for (size_t sent = 0; sent <= kBodyCap; sent += 4096) {
    many += "1000\r\n" + std::string(4096, ' ') + "\r\n";
  }
  many += "0\r\n\r\n";
  EXPECT_TRUE(IsRawJsonError(SendAndReadUntilClose(many), 413, "too_large"));
  ExpectNothingStored("chunked over the cap");
}

TEST_F(HostileTest, HeaderBlockOverTheCapGets431) {
  std::string many_fields = "GET /v1/health HTTP/1.1\r\nHost: vault\r\n";
  for (int i = 0; i < 600; ++i) many_fields += "X-F" + std::to_string(i) + ": 0123456789\r\n";
  many_fields += "\r\n";
  ASSERT_GT(many_fields.size(), 8192u);
  const std::string long_target =
      "GET /v1/transcripts/" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: vault\r\n\r\n";
  for (const std::string& request : {many_fields, long_target}) {
    const std::string response = SendAndReadUntilClose(request);
    EXPECT_TRUE(IsRawJsonError(response, 431, "headers_too_large")) << response;
    EXPECT_EQ(HeaderOf(response, "Connection"), "close");
  }
  // Regression: Beast's own limit counts only what one parse leaves over, so
  // many short fields arriving in pieces used to pass (a 12 KiB header got
  // 200). The session counts the whole header.
  auto pieces = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(pieces);
  for (size_t at = 0; at < many_fields.size(); at += 1000) {
    if (!pieces->Send(many_fields.substr(at, 1000)).ok()) break;  // refused already
  }
  auto refused = pieces->ReadUntilClose(kBound);
  ASSERT_OK(refused);
  EXPECT_TRUE(IsRawJsonError(*refused, 431, "headers_too_large")) << *refused;
  // A header that never ends is refused once it passes the cap, not at the
  // deadline: the answer is a 431, not a silent close.
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nX-Pad: " + std::string(10000, 'p')));
  auto response = raw->ReadUntilClose(kBound);
  ASSERT_OK(response);
  EXPECT_TRUE(IsRawJsonError(*response, 431, "headers_too_large")) << *response;
}

TEST_F(HostileTest, MessageTextOverTheCapGets413AndKeepsTheConnection) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  const std::string body = MessageBody("\"" + std::string(kTextCap + 1, 'x') + "\"");
  ASSERT_OK(raw->Send(PostHeader(Messages(), std::to_string(body.size())) + body));
  auto refused = raw->ReadResponse(kBound);
  ASSERT_OK(refused);
  EXPECT_TRUE(IsRawJsonError(*refused, 413, "text_too_long")) << *refused;
  ExpectNothingStored("text over the cap");
  // The connection is still good, and a text of exactly the cap is taken.
  const std::string fits = MessageBody("\"" + std::string(kTextCap, 'x') + "\"");
  ASSERT_OK(raw->Send(PostHeader(Messages(), std::to_string(fits.size())) + fits));
  auto accepted = raw->ReadResponse(kBound);
  ASSERT_OK(accepted);
  EXPECT_EQ(StatusCodeOf(*accepted), 201) << *accepted;
}

TEST_F(HostileTest, DeepNestingGets400WithoutExhaustingTheStack) {
  const std::string open(10000, '[');
  const std::string close(10000, ']');
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += "{\"a\":";
  for (const auto& [target, body] : {
           std::pair{Messages(), MessageBody(open + close)},             // deep text value
           std::pair{Messages(), MessageBody(std::string(60000, '['))},  // never closed
           std::pair{Messages(), open + close},                          // deep top level
           std::pair{std::string("/v1/transcripts"), R"({"service":"svc","visitor":)" + objects},
       }) {
    ASSERT_LE(body.size(), kBodyCap);
    auto reply = client_->Request("POST", target, body);
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, 400, "too_deep")) << reply->body;
  }
  EXPECT_OK(client_->Health());
  ExpectNothingStored("deep nesting");
}

TEST_F(HostileTest, InvalidUtf8Gets400AndStoresNothing) {
  for (const char* text : {
           "\"\xc0\xaf\"",           // overlong '/'
           "\"\xe0\x80\xaf\"",       // overlong, three bytes
           "\"\xf0\x80\x80\xaf\"",   // overlong, four bytes
           "\"\xed\xa0\x80\"",       // a surrogate encoded directly
           "\"\xff\"", "\"a\xfe\"",  // bytes never valid in UTF-8
           "\"abc\x80\"",            // a lone continuation byte
           "\"\xf4\x90\x80\x80\"",   // above U+10FFFF
           "\"\\ud800\"",            // escaped lone high surrogate
           "\"\\udc00\"",            // escaped lone low surrogate
           "\"\\ud800\\u0041\"",     // high surrogate, then not a low one
           "\"\\udbff\\udbff\"",     // two high surrogates
       }) {
    auto reply = client_->Request("POST", Messages(), MessageBody(text));
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, 400, "invalid_json")) << text << ": " << reply->body;
  }
  for (const char* body :
       {"{\"service\":\"\\ud800\"}", "{\"service\":\"svc\",\"visitor\":{\"name\":\"\xc0\xaf\"}}",
        "{\"service\":\"svc\",\"visitor\":{\"ref\":\"\\udfff\"}}", "{\"service\xff\":\"svc\"}"}) {
    auto reply = client_->Request("POST", "/v1/transcripts", body);
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, 400, "invalid_json")) << body << ": " << reply->body;
  }
  ExpectNothingStored("invalid UTF-8");
  // A valid surrogate pair is text like any other.
  auto emoji = client_->Request("POST", Messages(), MessageBody("\"\\ud83d\\ude00\""));
  ASSERT_OK(emoji);
  EXPECT_EQ(emoji->status, 201) << emoji->body;
}

TEST_F(HostileTest, TruncatedRequestsStoreNothing) {
  const std::string message = MessageBody("\"complete but short of its length\"");
  const std::string create = R"({"service":"svc"})";
  // The header cut off, then the client half-closes.
  EXPECT_TRUE(IsRawJsonError(
      SendAndReadUntilClose("POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Ty", true),
      400, "bad_request"));
  // A body that is valid JSON but shorter than its Content-Length.
  for (const auto& [target, body] :
       {std::pair{Messages(), message}, std::pair{std::string("/v1/transcripts"), create}}) {
    const std::string response = SendAndReadUntilClose(
        PostHeader(target, std::to_string(body.size() + 5)) + body, /*half_close=*/true);
    EXPECT_TRUE(IsRawJsonError(response, 400, "bad_request")) << response;
  }
  // A chunked body cut off inside a chunk.
  EXPECT_TRUE(IsRawJsonError(
      SendAndReadUntilClose("POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
                            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "40\r\n" +
                                create,
                            true),
      400, "bad_request"));
  // Clients that vanish mid-request: once the server has seen them go (only
  // the scraping client's connection is left), nothing was stored.
  for (const std::string& partial :
       {std::string("POST /v1/transcripts HTTP/1.1\r\nHost"),
        PostHeader(Messages(), std::to_string(message.size() + 1)) + message}) {
    auto raw = RawConnection::Open(daemon_.socket_path());
    ASSERT_OK(raw);
    ASSERT_OK(raw->Send(partial));
  }
  EXPECT_TRUE(MetricReaches("vault_http_connections_open", {}, 1.0));
  ExpectNothingStored("truncated requests");
  EXPECT_OK(client_->Health());
}

TEST_F(HostileTest, SlowHeadersAreCutOffByTheHeaderDeadline) {
  // One byte per kDrip: each byte would reset a per-read timeout, and the
  // idle timeout is 60 s, so only a deadline on the whole header ends this.
  const Dripped slow = Drip("GET /v1/health HTTP/1.1\r\nHost: vault\r\n", "X-Slow: a\r\n");
  ASSERT_TRUE(slow.closed) << "still open after " << kBound.count() << " ms";
  EXPECT_GE(slow.open_for, kRequestDeadline - kDrip);
  EXPECT_LT(slow.open_for, kIdleTimeout);
  EXPECT_EQ(slow.received, "");  // a timed-out request gets no response
  EXPECT_TRUE(MetricReaches("vault_http_connections_timed_out_total", {{"phase", "header"}}, 1.0));
  EXPECT_EQ(Metric("vault_http_connections_timed_out_total", {{"phase", "idle"}}), 0.0);
  EXPECT_OK(client_->Health());
}

TEST_F(HostileTest, SlowBodyIsCutOffByTheBodyDeadline) {
  const std::string body = MessageBody("\"slow\"");
  // The declared length is never reached at this pace within kBound.
  const Dripped slow = Drip(PostHeader(Messages(), std::to_string(body.size() + 1000)), body);
  ASSERT_TRUE(slow.closed) << "still open after " << kBound.count() << " ms";
  EXPECT_LT(slow.open_for, kIdleTimeout);
  EXPECT_EQ(slow.received, "");
  EXPECT_TRUE(MetricReaches("vault_http_connections_timed_out_total", {{"phase", "body"}}, 1.0));
  ExpectNothingStored("slow body");
}

TEST_F(HostileTest, KeptAliveConnectionOutlivesTheRequestDeadlines) {
  auto kept = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(kept);
  ASSERT_OK(kept->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  auto first = kept->ReadResponse(kBound);
  ASSERT_OK(first);
  EXPECT_EQ(StatusCodeOf(*first), 200);
  // A request started after that one runs into its header deadline...
  auto stalled = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(stalled);
  ASSERT_OK(stalled->Send("GET /v1/health HTTP/1.1\r\nHo"));
  auto cut = stalled->ReadUntilClose(kBound);
  ASSERT_OK(cut);
  EXPECT_EQ(*cut, "");
  // ...while the idle kept-alive connection, idle for longer, still serves.
  ASSERT_OK(kept->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  auto second = kept->ReadResponse(kBound);
  ASSERT_OK(second);
  EXPECT_EQ(StatusCodeOf(*second), 200);
  EXPECT_EQ(Metric("vault_http_connections_timed_out_total", {{"phase", "idle"}}), 0.0);
}

}  // namespace
}  // namespace vault::testing
