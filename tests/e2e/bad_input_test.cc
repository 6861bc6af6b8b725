// Every bad input gets the right HTTP status and a JSON error with a code and
// a message, and changes nothing: the transcript reads back byte for byte as
// before.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

constexpr size_t kBodyCap = 4096;
const std::string kUnknownId(32, '0');

class BadInputTest : public DaemonTest {
 protected:
  BadInputTest() : DaemonTest({"--max-body-bytes", std::to_string(kBodyCap)}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    NewTranscript request;
    request.service = "svc";
    request.visitor.name = "V";
    auto created = client_->CreateTranscript(request);
    ASSERT_OK(created);
    id_ = created->id;
    for (uint64_t seq = 0; seq < 3; ++seq) {
      ASSERT_OK(client_->AppendMessage(id_, MakeMessage(seq, "m" + std::to_string(seq))));
    }
    snapshot_ = Read();
    ASSERT_FALSE(snapshot_.empty());
  }

  std::string Messages() const { return "/v1/transcripts/" + id_ + "/messages"; }

  // The transcript exactly as the API returns it.
  std::string Read() {
    auto reply = client_->Request("GET", "/v1/transcripts/" + id_, "", "");
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return "";
    EXPECT_EQ(reply->status, 200) << reply->body;
    return reply->body;
  }

  // Sends a request that must fail with `status` and `code` (any code if
  // empty) and leave the transcript unchanged.
  void ExpectRejected(std::string_view method, const std::string& target, std::string_view body,
                      int status, std::string_view code,
                      std::string_view content_type = "application/json") {
    auto reply = client_->Request(method, target, body, content_type);
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, status, code)) << method << " " << target << " " << body;
    EXPECT_EQ(Read(), snapshot_) << "changed by " << method << " " << target << " " << body;
  }

  void ExpectMessageRejected(std::string_view body, int status, std::string_view code) {
    ExpectRejected("POST", Messages(), body, status, code);
  }

  // Appends `message` through the client library, which must answer an
  // error with `code` and `reason`.
  void ExpectClientAppendFails(const Message& message, Status::Code code, std::string_view reason) {
    auto status = client_->AppendMessage(id_, message).status();
    EXPECT_EQ(status.code(), code);
    EXPECT_EQ(status.reason(), reason);
  }

  std::string id_;
  std::string snapshot_;
};

TEST_F(BadInputTest, MalformedJson) {
  ExpectMessageRejected(R"({"seq":3,"from":"agent")", 400, "invalid_json");
  ExpectMessageRejected(R"({"seq":3,"from":"agent","text":"t","sent_at":"x"}})", 400,
                        "invalid_json");
  ExpectMessageRejected("{'seq':3}", 400, "invalid_json");
  ExpectMessageRejected("", 400, "invalid_json");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":)", 400, "invalid_json");
  ExpectRejected("POST", "/v1/transcripts/" + id_ + "/close", "{", 400, "invalid_json");
}

TEST_F(BadInputTest, NotAnObject) {
  ExpectMessageRejected("[]", 400, "invalid_type");
  ExpectMessageRejected("42", 400, "invalid_type");
  ExpectRejected("POST", "/v1/transcripts", "null", 400, "invalid_type");
}

TEST_F(BadInputTest, WrongTypes) {
  ExpectMessageRejected(R"({"seq":3,"from":7,"text":"t","sent_at":"2026-01-01T00:00:00Z"})", 400,
                        "invalid_type");
  ExpectMessageRejected(R"({"seq":3,"from":"agent","text":{},"sent_at":"2026-01-01T00:00:00Z"})",
                        400, "invalid_type");
  ExpectMessageRejected(R"({"seq":3,"from":"agent","text":"t","sent_at":1767225600})", 400,
                        "invalid_type");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":["svc"]})", 400, "invalid_type");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":"svc","visitor":[]})", 400,
                 "invalid_type");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":"svc","visitor":{"ip":127001}})", 400,
                 "invalid_type");
}

TEST_F(BadInputTest, MissingFields) {
  ExpectMessageRejected(R"({"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})", 400,
                        "missing_field");
  ExpectMessageRejected(R"({"seq":3,"text":"t","sent_at":"2026-01-01T00:00:00Z"})", 400,
                        "missing_field");
  ExpectMessageRejected(R"({"seq":3,"from":"agent","sent_at":"2026-01-01T00:00:00Z"})", 400,
                        "missing_field");
  ExpectMessageRejected(R"({"seq":3,"from":"agent","text":"t"})", 400, "missing_field");
  ExpectRejected("POST", "/v1/transcripts", R"({"visitor":{"name":"x"}})", 400, "missing_field");
}

TEST_F(BadInputTest, UnknownFields) {
  ExpectMessageRejected(
      R"({"seq":3,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z","id":"x"})", 400,
      "unknown_field");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":"svc","priority":1})", 400,
                 "unknown_field");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":"svc","visitor":{"nickname":"a"}})", 400,
                 "unknown_field");
  ExpectRejected("POST", "/v1/transcripts/" + id_ + "/close", R"({"reason":"done"})", 400,
                 "unknown_field");
}

TEST_F(BadInputTest, AnEraseBodyWithAFieldIsRefusedInTheEraseRoutesName) {
  ExpectRejected("POST", "/v1/transcripts/" + id_ + "/erase", R"({"force":true})", 400,
                 "unknown_field");
  auto reply = client_->Request("POST", "/v1/transcripts/" + id_ + "/erase", R"({"force":true})");
  ASSERT_OK(reply);
  EXPECT_NE(reply->body.find("erase request body"), std::string::npos) << reply->body;
  EXPECT_EQ(reply->body.find("close"), std::string::npos) << reply->body;
}

TEST_F(BadInputTest, ErrorMessagesDoNotEchoTheRequest) {
  auto reply = client_->Request("POST", Messages(),
                                R"({"seq":3,"from":"SECRET-FROM","text":"t","sent_at":"SECRET-AT",)"
                                R"("SECRET-KEY":"SECRET-VALUE"})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->body.find("SECRET"), std::string::npos) << reply->body;
  auto from = client_->Request("POST", Messages(),
                               R"({"seq":3,"from":"SECRET-FROM","text":"t","sent_at":"x"})");
  ASSERT_OK(from);
  EXPECT_EQ(from->status, 400);
  EXPECT_EQ(from->body.find("SECRET"), std::string::npos) << from->body;
}

TEST_F(BadInputTest, UnknownTranscript) {
  ExpectRejected("GET", "/v1/transcripts/" + kUnknownId, "", 404, "not_found", "");
  ExpectRejected("POST", "/v1/transcripts/" + kUnknownId + "/messages",
                 R"({"seq":0,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})", 404,
                 "not_found");
  ExpectRejected("POST", "/v1/transcripts/" + kUnknownId + "/close", "", 404, "not_found", "");
  auto status = client_->GetTranscript(kUnknownId).status();
  EXPECT_EQ(status.code(), Status::Code::kNotFound);
  EXPECT_EQ(status.reason(), "not_found");
}

TEST_F(BadInputTest, AppendAfterClose) {
  ASSERT_OK(client_->CloseTranscript(id_));
  snapshot_ = Read();
  ExpectMessageRejected(
      R"({"seq":3,"from":"agent","text":"late","sent_at":"2026-01-01T00:00:00Z"})", 409,
      "transcript_closed");
  ExpectClientAppendFails(MakeMessage(4, "late"), Status::Code::kFailedPrecondition,
                          "transcript_closed");
  EXPECT_EQ(Read(), snapshot_);
}

TEST_F(BadInputTest, BodyOverTheCap) {
  const std::string text(kBodyCap, 'x');
  ExpectMessageRejected(
      R"({"seq":3,"from":"agent","text":")" + text + R"(","sent_at":"2026-01-01T00:00:00Z"})", 413,
      "too_large");
  ExpectRejected("POST", "/v1/transcripts",
                 R"({"service":"svc","visitor":{"name":")" + text + R"("}})", 413, "too_large");
  // A body well over any socket buffer: the server answers before reading it.
  const std::string huge(8 << 20, 'y');
  ExpectMessageRejected(huge, 413, "too_large");
}

TEST_F(BadInputTest, InvalidSeq) {
  for (const char* seq :
       {"-1", "1.5", "3.0", "3e0", "\"3\"", "true", "null", "[3]", "1000001",
        "18446744073709551615", "18446744073709551616", "123456789012345678901234567890"}) {
    ExpectMessageRejected(std::string(R"({"seq":)") + seq +
                              R"(,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})",
                          400, "invalid_seq");
  }
}

TEST_F(BadInputTest, DuplicateOfTheSameMessageIsAcceptedOnce) {
  const Message same = MakeMessage(1, "m1");
  auto reply = client_->Request(
      "POST", Messages(),
      R"({"seq":1,"from":")" + same.from + R"(","text":"m1","sent_at":")" + same.sent_at + R"("})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(reply->body, "{\"seq\":1,\"duplicate\":true}\n");
  auto outcome = client_->AppendMessage(id_, same);
  ASSERT_OK(outcome);
  EXPECT_EQ(*outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ(Read(), snapshot_);
  auto transcript = client_->GetTranscript(id_);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->messages.size(), 3u);
}

TEST_F(BadInputTest, DifferentMessageWithAUsedSeq) {
  ExpectMessageRejected(
      R"({"seq":1,"from":"agent","text":"other","sent_at":"2026-01-01T00:00:00Z"})", 409,
      "seq_conflict");
  ExpectClientAppendFails(MakeMessage(2, "not m2"), Status::Code::kAlreadyExists, "seq_conflict");
}

TEST_F(BadInputTest, InvalidFrom) {
  for (const char* from : {"robot", "", "Agent", "visitor "}) {
    ExpectMessageRejected(std::string(R"({"seq":3,"from":")") + from +
                              R"(","text":"t","sent_at":"2026-01-01T00:00:00Z"})",
                          400, "");
  }
}

TEST_F(BadInputTest, InvalidSentAt) {
  for (const char* sent_at : {"yesterday", "", "2026-01-01", "2026-13-01T00:00:00Z",
                              "2026-01-01T00:00:00", "1767225600"}) {
    ExpectMessageRejected(
        std::string(R"({"seq":3,"from":"agent","text":"t","sent_at":")") + sent_at + R"("})", 400,
        "");
  }
}

TEST_F(BadInputTest, InvalidService) {
  ExpectRejected("POST", "/v1/transcripts", R"({"service":""})", 400, "");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":"has space"})", 400, "");
  ExpectRejected("POST", "/v1/transcripts", R"({"service":")" + std::string(65, 's') + R"("})", 400,
                 "");
}

TEST_F(BadInputTest, BadIdFormat) {
  std::string upper = id_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& id :
       {std::string("nope"), upper, id_.substr(1), id_ + "0", std::string(32, 'g'),
        std::string("%30") + id_.substr(1), id_ + "%00"}) {
    if (id == id_) continue;  // an all-digit id upper-cases to itself
    ExpectRejected("GET", "/v1/transcripts/" + id, "", 404, "not_found", "");
    ExpectRejected("POST", "/v1/transcripts/" + id + "/messages",
                   R"({"seq":3,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})", 404,
                   "not_found");
    ExpectRejected("POST", "/v1/transcripts/" + id + "/close", "", 404, "not_found", "");
  }
}

TEST_F(BadInputTest, UnknownRoutes) {
  ExpectRejected("GET", "/", "", 404, "not_found", "");
  ExpectRejected("GET", "/v2/health", "", 404, "not_found", "");
  ExpectRejected("GET", "/v1/transcripts/" + id_ + "/messages/0", "", 404, "not_found", "");
  ExpectRejected("POST", "/v1/transcripts/" + id_ + "/delete", "", 404, "not_found", "");
  ExpectRejected("GET", "/v1/transcripts/" + id_ + "/", "", 404, "not_found", "");
}

TEST_F(BadInputTest, WrongMethod) {
  for (const char* method : {"DELETE", "PUT", "POST", "PATCH", "HEAD"}) {
    auto reply = client_->Request(method, "/v1/transcripts/" + id_, "", "");
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 405) << method;
    EXPECT_EQ(reply->Header("Allow"), "GET");
    if (std::string_view(method) != "HEAD") {
      EXPECT_TRUE(IsJsonError(*reply, 405, "method_not_allowed"));
    }
  }
  ExpectRejected("GET", "/v1/transcripts", "", 405, "method_not_allowed", "");
  ExpectRejected("GET", Messages(), "", 405, "method_not_allowed", "");
  ExpectRejected("DELETE", "/v1/transcripts/" + id_ + "/close", "", 405, "method_not_allowed", "");
  ExpectRejected("POST", "/v1/health", "", 405, "method_not_allowed", "");
  EXPECT_EQ(Read(), snapshot_);
}

TEST_F(BadInputTest, WrongContentType) {
  const std::string body =
      R"({"seq":3,"from":"agent","text":"t","sent_at":"2026-01-01T00:00:00Z"})";
  ExpectRejected("POST", Messages(), body, 415, "unsupported_media_type", "text/plain");
  ExpectRejected("POST", Messages(), body, 415, "unsupported_media_type", "");
  ExpectRejected("POST", Messages(), body, 415, "unsupported_media_type",
                 "application/x-www-form-urlencoded");
  // Parameters and case do not matter.
  auto reply = client_->Request("POST", Messages(), body, "Application/JSON; charset=utf-8");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 201) << reply->body;
}

TEST_F(BadInputTest, InvalidUtf8InAString) {
  for (const char* text :
       {"\xff", "\xc3", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf"}) {
    ExpectMessageRejected(std::string(R"({"seq":3,"from":"agent","text":")") + text +
                              R"(","sent_at":"2026-01-01T00:00:00Z"})",
                          400, "invalid_json");
  }
  ExpectRejected("POST", "/v1/transcripts", "{\"service\":\"svc\",\"visitor\":{\"name\":\"\xfe\"}}",
                 400, "invalid_json");
}

TEST_F(BadInputTest, NestingDeeperThanTheCap) {
  const std::string deep = std::string(17, '[') + std::string(17, ']');
  ExpectMessageRejected(
      R"({"seq":3,"from":"agent","text":)" + deep + R"(,"sent_at":"2026-01-01T00:00:00Z"})", 400,
      "too_deep");
  ExpectRejected("POST", "/v1/transcripts",
                 R"({"service":"svc","visitor":{"name":)" + std::string(1000, '[') + "}}", 400,
                 "too_deep");
}

}  // namespace
}  // namespace vault::testing
