// HTTP over the socket, byte by byte: protocol errors get a JSON error and a
// closed connection; caps apply before parsing.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/raw_http.h"

namespace vault::testing {
namespace {

constexpr size_t kBodyCap = 1024;

class ProtocolTest : public ::testing::Test {
 protected:
  ProtocolTest() : daemon_({"--max-body-bytes", std::to_string(kBodyCap)}) {}
  void SetUp() override { ASSERT_OK(daemon_.Start()); }

  // Sends `bytes` on a fresh connection; returns all that comes back before
  // the server closes the connection.
  std::string ExchangeUntilClose(const std::string& bytes) {
    auto raw = RawConnection::Open(daemon_.socket_path());
    EXPECT_TRUE(raw.ok()) << raw.status().ToString();
    if (!raw.ok()) return "";
    EXPECT_OK(raw->Send(bytes));
    auto received = raw->ReadUntilClose();
    EXPECT_TRUE(received.ok()) << received.status().ToString();
    return received.ok() ? *received : "";
  }

  Daemon daemon_;
};

TEST_F(ProtocolTest, MalformedRequestsGet400AndAClosedConnection) {
  for (const char* request : {
           "GARBAGE\r\n\r\n",
           "GET /v1/health HTTP/1.1\r\nNo colon here\r\n\r\n",
           "GET  HTTP/1.1\r\n\r\n",
           "POST /v1/transcripts HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
           "POST /v1/transcripts HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
           "POST /v1/transcripts HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
           "GET /v1/health HTTP/1.1\r\nHost: vault\r\nBad\x01Name: x\r\n\r\n",
       }) {
    const std::string response = ExchangeUntilClose(request);
    EXPECT_TRUE(IsRawJsonError(response, 400, "bad_request")) << request << "\n" << response;
    EXPECT_EQ(HeaderOf(response, "Connection"), "close") << response;
  }
}

TEST_F(ProtocolTest, HeaderOver8KiBGets431AndAClosedConnection) {
  const std::string request =
      "GET /v1/health HTTP/1.1\r\nHost: vault\r\nX-Pad: " + std::string(9000, 'p') + "\r\n\r\n";
  const std::string response = ExchangeUntilClose(request);
  EXPECT_TRUE(IsRawJsonError(response, 431, "headers_too_large")) << response;
}

TEST_F(ProtocolTest, DeclaredBodyOverTheCapGets413BeforeTheBodyIsSent) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(
      raw->Send("POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                std::to_string(kBodyCap + 1) + "\r\n\r\n"));
  auto response = raw->ReadUntilClose();
  ASSERT_OK(response);
  EXPECT_TRUE(IsRawJsonError(*response, 413, "too_large")) << *response;
}

TEST_F(ProtocolTest, ChunkedBodyOverTheCapGets413) {
  std::string request =
      "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "200\r\n" + std::string(512, ' ') + "\r\n";
  request += "0\r\n\r\n";
  const std::string response = ExchangeUntilClose(request);
  EXPECT_TRUE(IsRawJsonError(response, 413, "too_large")) << response;
}

TEST_F(ProtocolTest, ChunkedBodyUnderTheCapIsAccepted) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(
      raw->Send("POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\n{\"ser\r\nc\r\nvice\":\"svc\"}\r\n0\r\n\r\n"));
  auto response = raw->ReadResponse();
  ASSERT_OK(response);
  EXPECT_EQ(StatusCodeOf(*response), 201) << *response;
}

TEST_F(ProtocolTest, Http10GetsAnAnswerAndAClose) {
  const std::string response = ExchangeUntilClose("GET /v1/health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(response), 200) << response;
  EXPECT_NE(response.find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(ProtocolTest, ConnectionCloseIsHonoured) {
  const std::string response =
      ExchangeUntilClose("GET /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(response), 200) << response;
  EXPECT_EQ(HeaderOf(response, "Connection"), "close");
}

TEST_F(ProtocolTest, ApplicationErrorsKeepTheConnectionAlive) {
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(
      raw->Send("POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
                "Content-Type: application/json\r\nContent-Length: 1\r\n\r\n{"));
  auto bad = raw->ReadResponse();
  ASSERT_OK(bad);
  EXPECT_TRUE(IsRawJsonError(*bad, 400, "invalid_json")) << *bad;
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  auto good = raw->ReadResponse();
  ASSERT_OK(good);
  EXPECT_EQ(StatusCodeOf(*good), 200);
}

TEST_F(ProtocolTest, HeadGetsHeadersWithoutABody) {
  const std::string response =
      ExchangeUntilClose("HEAD /v1/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(response), 405) << response;
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET");
  EXPECT_EQ(BodyOf(response), "") << response;
}

}  // namespace
}  // namespace vault::testing
