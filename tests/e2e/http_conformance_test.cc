// HTTP/1.1 framing against a real vaultd, rule by rule from RFC 9112 sections
// 2 to 7: message parsing, the request line and its version, the request
// target, Host, field syntax, message body length, transfer codings and the
// connection. Every refusal is an HTTP status with a JSON error body, closes
// the connection where the byte stream can no longer be trusted, and changes
// nothing: no transcript is created, no message appended, no audit record
// written.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

using std::chrono::milliseconds;

constexpr size_t kBodyCap = 4096;
constexpr char kCreateBody[] = R"({"service":"svc"})";

// A create request, complete, that must never run when it is smuggled.
std::string SmuggledCreate() {
  return std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n") +
         "Content-Length: " + std::to_string(sizeof(kCreateBody) - 1) + "\r\n\r\n" + kCreateBody;
}

// How many responses (status lines) `received` holds.
int ResponseCount(const std::string& received) {
  int count = 0;
  for (size_t at = received.find("HTTP/1."); at != std::string::npos;
       at = received.find("HTTP/1.", at + 1)) {
    if (at == 0 || received.compare(at - 2, 2, "\r\n") == 0 || received[at - 1] == '}') ++count;
  }
  return count;
}

class HttpConformanceTest : public DaemonTest {
 protected:
  HttpConformanceTest()
      : DaemonTest({"--max-body-bytes", std::to_string(kBodyCap), "--idle-timeout", "60s"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    auto created = client_->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    id_ = created->id;
    ASSERT_OK(client_->AppendMessage(id_, MakeMessage(0, "first")));
    // Reading the state may itself be audited: count what one reading adds.
    const State first = Current();
    before_ = Current();
    reading_adds_ = before_.audit_size - first.audit_size;
  }

  // What must not change under a refused request.
  struct State {
    double open = -1;
    uint64_t audit_size = 0;
    uint64_t messages = 0;
  };
  State Current() {
    State state;
    auto transcript = client_->GetTranscript(id_);
    EXPECT_OK(transcript);
    if (transcript.ok()) state.messages = transcript->messages.size();
    auto text = client_->Metrics();
    EXPECT_OK(text);
    if (text.ok()) {
      auto exposition = ParseExposition(*text);
      EXPECT_OK(exposition);
      if (exposition.ok()) state.open = exposition->ValueOr0("vault_transcripts", {{"state", "open"}});
    }
    auto audit = client_->GetAuditStatus();
    EXPECT_OK(audit);
    if (audit.ok()) state.audit_size = audit->size;
    return state;
  }
  void ExpectNothingChanged(const std::string& what) {
    const State now = Current();
    EXPECT_EQ(now.open, before_.open) << "transcripts created by " << what;
    EXPECT_EQ(now.messages, before_.messages) << "messages appended by " << what;
    EXPECT_EQ(now.audit_size - before_.audit_size, reading_adds_)
        << "audit records written by " << what;
    before_ = now;
  }

  // Sends `bytes` on a new connection; everything received until the server
  // closes it.
  std::string UntilClose(const std::string& bytes) {
    auto raw = RawConnection::Open(daemon_.socket_path());
    EXPECT_OK(raw);
    if (!raw.ok()) return "";
    (void)raw->Send(bytes);  // the server may refuse and close before reading all
    auto received = raw->ReadUntilClose(std::chrono::seconds(30));
    EXPECT_OK(received);
    return received.ok() ? *received : "";
  }

  // A refusal: one JSON error response `status`/`code`, Connection: close, the
  // connection closed, nothing after it, nothing changed.
  void ExpectRefusedAndClosed(const std::string& request, int status, std::string_view code) {
    const std::string received = UntilClose(request);
    EXPECT_TRUE(IsRawJsonError(received, status, code)) << request << "\n---\n" << received;
    EXPECT_EQ(HeaderOf(received, "Connection"), "close") << request;
    EXPECT_EQ(ResponseCount(received), 1) << request << "\n---\n" << received;
    ExpectNothingChanged(request);
  }

  std::string Append(const std::string& body) {
    return "POST /v1/transcripts/" + id_ +
           "/messages HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }

  std::string id_;
  State before_;
  uint64_t reading_adds_ = 0;
};

// --- 6.1, 6.3: Transfer-Encoding ------------------------------------------

TEST_F(HttpConformanceTest, TransferEncodingNotEndingInChunkedIsRefusedNotSmuggled) {
  // The body bytes hold a whole create request: it must not be run.
  const std::string smuggled = "8a\r\n" + SmuggledCreate();
  for (const char* coding : {"xchunked", "identity", "chunked, identity", "gzip", "chunked;q=1, x",
                             "", " , "}) {
    for (const char* length : std::vector<const char*>{"4", "0", nullptr}) {
      std::string request = std::string("POST /v1/health HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: ") +
                            coding + "\r\n";
      if (length != nullptr) request += std::string("Content-Length: ") + length + "\r\n";
      request += "\r\n" + smuggled;
      SCOPED_TRACE(std::string("coding '") + coding + "' length " + (length ? length : "none"));
      ExpectRefusedAndClosed(request, 400, "bad_request");
    }
  }
}

TEST_F(HttpConformanceTest, TransferEncodingAfterContentLengthIsRefused) {
  for (const char* coding : {"xchunked", "chunked", "identity"}) {
    ExpectRefusedAndClosed(
        std::string("POST /v1/health HTTP/1.1\r\nHost: v\r\nContent-Length: 4\r\nTransfer-Encoding: ") +
            coding + "\r\n\r\n8a\r\n" + SmuggledCreate(),
        400, "bad_request");
  }
  // Chunked first, then a Content-Length.
  ExpectRefusedAndClosed(
      "POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SmuggledCreate(),
      400, "bad_request");
}

TEST_F(HttpConformanceTest, ChunkedAppliedTwiceIsRefused) {
  for (const char* te : {"Transfer-Encoding: chunked, chunked\r\n",
                         "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\n"
                                       "Content-Type: application/json\r\n") +
                               te + "\r\n0\r\n\r\n" + SmuggledCreate(),
                           400, "bad_request");
  }
}

TEST_F(HttpConformanceTest, CodingsBesidesChunkedGet501) {
  for (const char* coding : {"gzip, chunked", "xchunked, chunked", "identity, chunked"}) {
    ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\n"
                                       "Content-Type: application/json\r\nTransfer-Encoding: ") +
                               coding + "\r\n\r\n11\r\n" + kCreateBody + "\r\n0\r\n\r\n",
                           501, "unsupported_transfer_encoding");
  }
}

TEST_F(HttpConformanceTest, TransferEncodingInHttp10IsRefused) {
  ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.0\r\n"
                                     "Content-Type: application/json\r\nTransfer-Encoding: chunked"
                                     "\r\n\r\n11\r\n") +
                             kCreateBody + "\r\n0\r\n\r\n",
                         400, "bad_request");
}

TEST_F(HttpConformanceTest, ChunkedBodyWithExtensionsAndTrailerIsAccepted) {
  const std::string received = UntilClose(
      std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
                  "11;name=value;flag\r\n") +
      kCreateBody + "\r\n0;last\r\nX-Trailer: t\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(received), 201) << received;
}

TEST_F(HttpConformanceTest, LongChunkExtensionIsRefused) {
  for (size_t size : {size_t{10000}, size_t{1000}}) {
    ExpectRefusedAndClosed(
        std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n11;x=") +
            std::string(size, 'e') + "\r\n" + kCreateBody + "\r\n0\r\n\r\n",
        400, "bad_request");
  }
}

TEST_F(HttpConformanceTest, LongTrailerIsRefused) {
  ExpectRefusedAndClosed(
      std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n11\r\n") +
          kCreateBody + "\r\n0\r\nX-Pad: " + std::string(10000, 'p') + "\r\n\r\n",
      400, "bad_request");
}

TEST_F(HttpConformanceTest, BadChunkSizesAreRefused) {
  for (const char* size : {"zz", "-1", "ffffffffffffffffff", "+11", "0x11"}) {
    const std::string received = UntilClose(
        std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n") +
        size + "\r\n" + kCreateBody + "\r\n0\r\n\r\n");
    const int status = StatusCodeOf(received);
    EXPECT_TRUE(status == 400 || status == 413) << size << "\n" << received;
    EXPECT_EQ(HeaderOf(received, "Connection"), "close") << size;
    ExpectNothingChanged(size);
  }
}

// --- 6.2, 6.3: Content-Length ---------------------------------------------

TEST_F(HttpConformanceTest, BadContentLengthsAreRefused) {
  for (const char* length : {"-1", "+17", "1 7", "0x11", "17, 18", ""}) {
    ExpectRefusedAndClosed(
        std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                    "Content-Length: ") +
            length + "\r\n\r\n" + kCreateBody,
        400, "bad_request");
  }
}

TEST_F(HttpConformanceTest, BodyBeyondContentLengthIsTheNextRequest) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send(std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n") +
                      kCreateBody + "GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"));
  auto first = raw->ReadResponse();
  ASSERT_OK(first);
  EXPECT_EQ(StatusCodeOf(*first), 201) << *first;
  auto second = raw->ReadResponse();
  ASSERT_OK(second);
  EXPECT_EQ(StatusCodeOf(*second), 200) << *second;
}

// --- 2.2: message parsing -------------------------------------------------

TEST_F(HttpConformanceTest, EmptyLinesBeforeTheRequestLineAreIgnored) {
  for (const char* prefix : {"\r\n", "\r\n\r\n", "\n"}) {
    const std::string received =
        UntilClose(std::string(prefix) + "GET /v1/health HTTP/1.1\r\nHost: v\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(StatusCodeOf(received), 200) << received;
  }
  // Between pipelined requests too (some clients end a body with a CRLF).
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n\r\n"
                      "GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    auto response = raw->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), 200) << *response;
  }
}

TEST_F(HttpConformanceTest, EndlessEmptyLinesHitTheHeaderCap) {
  const std::string received = UntilClose(std::string(10000, '\n'));
  EXPECT_TRUE(IsRawJsonError(received, 431, "headers_too_large")) << received;
}

TEST_F(HttpConformanceTest, PipelinedRequestsAreAnsweredInOrder) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"
                      "GET /v1/nothing HTTP/1.1\r\nHost: v\r\n\r\n"
                      "GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"));
  for (int expected : {200, 404, 200}) {
    auto response = raw->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), expected) << *response;
  }
}

// --- 2.3, 2.6: HTTP version ----------------------------------------------

TEST_F(HttpConformanceTest, LaterHttp1MinorVersionsAreServedAsHttp11) {
  for (const char* version : {"HTTP/1.2", "HTTP/1.9"}) {
    const std::string received = UntilClose(std::string("GET /v1/health ") + version +
                                            "\r\nHost: v\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(StatusCodeOf(received), 200) << received;
    EXPECT_EQ(received.rfind("HTTP/1.1 ", 0), 0u) << received;
  }
  // Kept alive like 1.1.
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.2\r\nHost: v\r\n\r\n"));
  auto first = raw->ReadResponse();
  ASSERT_OK(first);
  EXPECT_EQ(StatusCodeOf(*first), 200);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"));
  auto second = raw->ReadResponse();
  ASSERT_OK(second);
  EXPECT_EQ(StatusCodeOf(*second), 200);
}

TEST_F(HttpConformanceTest, OtherMajorVersionsGet505) {
  for (const char* version : {"HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/9.9"}) {
    ExpectRefusedAndClosed(std::string("POST /v1/transcripts ") + version +
                               "\r\nHost: v\r\nContent-Type: application/json\r\n"
                               "Content-Length: 17\r\n\r\n" + kCreateBody,
                           505, "http_version_not_supported");
  }
}

TEST_F(HttpConformanceTest, MalformedVersionsGet400) {
  for (const char* version : {"HTTP/1", "HTTP/1.1.1", "http/1.1", "HTTP/11", "HTTP/1.x"}) {
    ExpectRefusedAndClosed(std::string("GET /v1/health ") + version + "\r\nHost: v\r\n\r\n", 400,
                           "bad_request");
  }
}

TEST_F(HttpConformanceTest, Http10GetsNo100Continue) {
  const std::string received = UntilClose(
      std::string("POST /v1/transcripts HTTP/1.0\r\nContent-Type: application/json\r\n"
                  "Expect: 100-continue\r\nContent-Length: 17\r\n\r\n") +
      kCreateBody);
  EXPECT_EQ(StatusCodeOf(received), 201) << received;
  EXPECT_EQ(ResponseCount(received), 1) << received;
}

TEST_F(HttpConformanceTest, Http11Gets100Continue) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\n"
                      "Expect: 100-continue\r\nContent-Length: 17\r\n\r\n"));
  auto proceed = raw->ReadResponse();
  ASSERT_OK(proceed);
  EXPECT_EQ(StatusCodeOf(*proceed), 100) << *proceed;
  ASSERT_OK(raw->Send(kCreateBody));
  auto created = raw->ReadResponse();
  ASSERT_OK(created);
  EXPECT_EQ(StatusCodeOf(*created), 201) << *created;
}

// --- 3.2: request target and Host ----------------------------------------

TEST_F(HttpConformanceTest, AbsoluteFormTargetsAreAccepted) {
  for (const char* target : {"http://vault/v1/health", "HTTP://vault:80/v1/health",
                             "https://other.example/v1/health"}) {
    const std::string received = UntilClose(std::string("GET ") + target +
                                            " HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(StatusCodeOf(received), 200) << target << "\n" << received;
  }
  const std::string created = UntilClose(
      std::string("POST http://vault/v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
                  "Content-Type: application/json\r\nContent-Length: 17\r\nConnection: close\r\n\r\n") +
      kCreateBody);
  EXPECT_EQ(StatusCodeOf(created), 201) << created;
  const std::string missing =
      UntilClose("GET http://vault HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(IsRawJsonError(missing, 404, "not_found")) << missing;
}

TEST_F(HttpConformanceTest, MissingHostInHttp11IsRefused) {
  ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.1\r\nContent-Type: application/json\r\n"
                                     "Content-Length: 17\r\n\r\n") +
                             kCreateBody,
                         400, "bad_request");
}

TEST_F(HttpConformanceTest, DuplicateOrInvalidHostIsRefused) {
  for (const char* version : {"HTTP/1.1", "HTTP/1.0"}) {
    ExpectRefusedAndClosed(std::string("POST /v1/transcripts ") + version +
                               "\r\nHost: a\r\nHost: b\r\nContent-Type: application/json\r\n"
                               "Content-Length: 17\r\n\r\n" + kCreateBody,
                           400, "bad_request");
  }
  ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.1\r\nHost: a b/c\r\n"
                                     "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n") +
                             kCreateBody,
                         400, "bad_request");
}

TEST_F(HttpConformanceTest, EmptyHostAndHttp10WithoutHostAreAccepted) {
  for (const char* request : {"GET /v1/health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n",
                              "GET /v1/health HTTP/1.0\r\n\r\n"}) {
    const std::string received = UntilClose(request);
    EXPECT_EQ(StatusCodeOf(received), 200) << request << "\n" << received;
  }
}

// --- 5: field syntax -----------------------------------------------------

TEST_F(HttpConformanceTest, WhitespaceBeforeTheColonIsRefused) {
  ExpectRefusedAndClosed(std::string("POST /v1/transcripts HTTP/1.1\r\nHost: v\r\n"
                                     "Content-Type: application/json\r\nContent-Length : 17\r\n\r\n") +
                             kCreateBody,
                         400, "bad_request");
}

TEST_F(HttpConformanceTest, RequestLineWithoutTargetIsRefused) {
  ExpectRefusedAndClosed("GET HTTP/1.1\r\nHost: v\r\n\r\n", 400, "bad_request");
}

// --- 9: connection -------------------------------------------------------

TEST_F(HttpConformanceTest, Http10KeepAliveIsHonoured) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = raw->ReadResponse();
  ASSERT_OK(first);
  EXPECT_EQ(StatusCodeOf(*first), 200) << *first;
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.0\r\n\r\n"));
  auto rest = raw->ReadUntilClose();
  ASSERT_OK(rest);
  EXPECT_EQ(StatusCodeOf(*rest), 200) << *rest;
}

// --- What a client needs to reuse a connection ---------------------------

// Each response that keeps the connection says how long it may then stay
// idle (the fixture's --idle-timeout 60s), so a client closes it first
// instead of writing into a connection vaultd has closed; a response that
// closes it does not.
TEST_F(HttpConformanceTest, KeepAliveResponsesSayHowLongTheConnectionMayIdle) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  const std::string body = R"({"seq":1,"from":"visitor","text":"hi","sent_at":"2026-01-01T00:00:00Z"})";
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: v\r\n\r\n"
                      "GET /v1/nothing HTTP/1.1\r\nHost: v\r\n\r\n"
                      "POST /v1/transcripts/" + id_ + "/messages HTTP/1.1\r\nHost: v\r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body +
                      "GET /v1/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  for (int expected : {200, 404, 201, 200}) {
    auto response = raw->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), expected) << *response;
    EXPECT_EQ(HeaderOf(*response, "Keep-Alive"), "timeout=60") << *response;
    EXPECT_NE(HeaderOf(*response, "Connection"), "close") << *response;
  }
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: v\r\nConnection: close\r\n\r\n"));
  auto last = raw->ReadUntilClose();
  ASSERT_OK(last);
  EXPECT_EQ(StatusCodeOf(*last), 200) << *last;
  EXPECT_EQ(HeaderOf(*last, "Connection"), "close") << *last;
  EXPECT_EQ(HeaderOf(*last, "Keep-Alive"), "") << *last;
}

// Every JSON body ends with a newline (curl's output then does not run into
// the shell's prompt), and Content-Length counts it: a success, an error, a
// transcript and a refusal before any route ran.
TEST_F(HttpConformanceTest, JsonBodiesEndWithANewline) {
  const std::string refused = UntilClose(
      "GET /v1/health HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: gzip\r\n\r\n");
  for (const std::string& target :
       {std::string("/v1/health"), std::string("/v1/nothing"), "/v1/transcripts/" + id_}) {
    const std::string received =
        UntilClose("GET " + target + " HTTP/1.1\r\nHost: v\r\nConnection: close\r\n\r\n");
    const size_t body_at = received.find("\r\n\r\n");
    ASSERT_NE(body_at, std::string::npos) << received;
    const std::string body = received.substr(body_at + 4);
    ASSERT_FALSE(body.empty()) << target;
    EXPECT_EQ(body.back(), '\n') << target << ": " << body;
    EXPECT_EQ(body.find('\n'), body.size() - 1) << target << ": one line";
    EXPECT_EQ(HeaderOf(received, "Content-Length"), std::to_string(body.size())) << target;
  }
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.back(), '\n') << refused;
}

// --- JSON numbers in a message -------------------------------------------

TEST_F(HttpConformanceTest, NegativeZeroSeqIsInvalid) {
  for (const char* seq : {"-0", "-0 ", "-1"}) {
    const std::string received =
        UntilClose(Append(std::string(R"({"seq":)") + seq +
                          R"(,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})"));
    EXPECT_TRUE(IsRawJsonError(received, 400, "invalid_seq")) << seq << "\n" << received;
    ExpectNothingChanged(seq);
  }
  // "-0" in a string is only text; seq 1 is the next one.
  const std::string received = UntilClose(
      Append(R"({"seq":1,"from":"agent","text":"-0","sent_at":"2026-01-01T00:00:00Z"})"));
  EXPECT_EQ(StatusCodeOf(received), 201) << received;
}

}  // namespace
}  // namespace vault::testing
