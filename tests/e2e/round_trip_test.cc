// Acceptance: transcripts written over the socket read back exactly, across a
// clean restart of the daemon, whatever bytes they hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "vault/client.h"
#include "vault/options.h"

namespace vault::testing {
namespace {

constexpr int64_t kRetentionMs = 30 * kMillisPerDay;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Exactly 65536 bytes of valid UTF-8 mixing 1- to 4-byte characters and
// characters that JSON must escape.
std::string MaxSizeText() {
  const std::string unit = "a\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac\"\\\n";  // 13 bytes
  std::string text;
  while (text.size() + unit.size() <= 65536) text += unit;
  text.append(65536 - text.size(), 'z');
  return text;
}

// Texts that stress encoding: emoji (with ZWJ sequences and flags),
// right-to-left Arabic and Hebrew, mixed direction, combining characters,
// JSON escapes and control characters.
std::vector<std::string> HostileTexts() {
  return {
      "\xf0\x9f\x98\x80 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
      " \xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\xd8\x8c \xd9\x83\xd9\x8a\xd9\x81 \xd8\xad\xd8\xa7"
      "\xd9\x84\xd9\x83\xd8\x9f",
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d, \xd7\x9e\xd7\x94 "
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9e\xd7\x9a?",
      "abc \xd7\xa2\xd7\x91\xd7\xa8\xd7\x99\xd7\xaa 123 \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a "
      "\xe2\x80\x8f\xe2\x80\xae rlo \xe2\x80\xac",
      "e\xcc\x81 n\xcc\x83 Z\xcd\x91\xcd\xab\xcd\x83\xcd\xaa\xcc\x82\xcd\xab\xcc\xbd\xcd\x8f",
      "\"quoted\" \\back\\slash\\ /slash/ \\u0041 not an escape",
      "tab\tnewline\ncr\rbackspace\bformfeed\f \x01\x02\x1b[31m\x1f \x7f",
      "</script><script>alert(1)</script> ' OR 1=1; --",
      " leading and trailing spaces ",
      "",
  };
}

std::vector<Message> HostileMessages() {
  const std::vector<std::string> texts = HostileTexts();
  const char* const sent_at[] = {"2026-11-22T10:00:00Z", "2026-11-22T10:00:01.123456789+05:30",
                                 "2026-11-22t10:00:02.5z", "2026-11-22T10:00:03-08:00"};
  std::vector<Message> messages;
  for (uint64_t i = 0; i < 200; ++i) {
    Message message = MakeMessage(i, texts[i % texts.size()] + " #" + std::to_string(i));
    message.sent_at = sent_at[i % 4];
    messages.push_back(std::move(message));
  }
  messages[137].text = MaxSizeText();
  return messages;
}

class RoundTripTest : public DaemonTest {};

TEST_F(RoundTripTest, TwoHundredHostileMessagesSurviveARestart) {
  NewTranscript request;
  request.service = "helpline.chat-1";
  request.visitor.name = "\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa9 \"Sara\" O'Brien";
  auto created = client_->CreateTranscript(request);
  ASSERT_OK(created);

  const std::vector<Message> messages = HostileMessages();
  ASSERT_EQ(messages[137].text.size(), 65536u);
  // Append out of order: odd seqs, then even ones; the read is by seq.
  for (int parity : {1, 0}) {
    for (const Message& message : messages) {
      if (static_cast<int>(message.seq % 2) != parity) continue;
      auto outcome = client_->AppendMessage(created->id, message);
      ASSERT_OK(outcome);
      EXPECT_EQ(*outcome, AppendOutcome::kStored) << "seq " << message.seq;
    }
  }

  auto before = client_->GetTranscript(created->id);
  ASSERT_OK(before);
  ExpectTranscriptOf(*before, created->id, request, TranscriptState::kOpen, 200u);
  ASSERT_EQ(before->messages.size(), messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(before->messages[i], messages[i]) << "message " << i;
  }

  ASSERT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
  ASSERT_OK(daemon_.Start());
  Reconnect();

  auto after = client_->GetTranscript(created->id);
  ASSERT_OK(after);
  EXPECT_EQ(after->messages, messages);
  EXPECT_EQ(after->visitor, request.visitor);
  EXPECT_EQ(after->info.created_at, before->info.created_at);
  EXPECT_EQ(after->info.message_count, 200u);
}

TEST_F(RoundTripTest, VisitorFieldsRoundTrip) {
  NewTranscript full;
  full.service = "svc";
  full.visitor.name = "Zo\xc3\xab \xf0\x9f\x8c\xb8";
  full.visitor.ip = "2001:db8::1";
  full.visitor.location = "Tel Aviv \xd7\xaa\xd7\x9c \xd7\x90\xd7\x91\xd7\x99\xd7\x91";
  full.visitor.user_agent = "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"";
  full.visitor.device = "phone\\tablet";
  full.visitor.ref = "visitor-8d2f";
  NewTranscript partial;
  partial.service = "svc";
  partial.visitor.ip = "192.0.2.7";
  NewTranscript none;
  none.service = "svc";

  for (const NewTranscript& request : {full, partial, none}) {
    auto created = client_->CreateTranscript(request);
    ASSERT_OK(created);
    auto read = client_->GetTranscript(created->id);
    ASSERT_OK(read);
    EXPECT_EQ(read->visitor, request.visitor);
    EXPECT_EQ(read->info.message_count, 0u);
    EXPECT_TRUE(read->messages.empty());
  }
}

TEST_F(RoundTripTest, CreateReturnsIdAndExpiry) {
  const int64_t start = NowMillis();
  auto created = client_->CreateTranscript({"svc", {}});
  const int64_t end = NowMillis();
  ASSERT_OK(created);
  EXPECT_EQ(created->id.size(), 32u);
  EXPECT_EQ(created->id.find_first_not_of("0123456789abcdef"), std::string::npos);
  // While open, the earliest possible expiry: now + retention (30d default).
  EXPECT_GE(created->expires_at, start + kRetentionMs - 1000);
  EXPECT_LE(created->expires_at, end + kRetentionMs + 3600 * 1000);
}

TEST_F(RoundTripTest, CloseReturnsExpiryAndStateIsClosedAfter) {
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "bye")));

  auto reply = client_->Request("POST", "/v1/transcripts/" + created->id + "/close", "", "");
  ASSERT_OK(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_NE(reply->body.find("\"state\":\"closed\""), std::string::npos) << reply->body;
  EXPECT_NE(reply->body.find("\"id\":\"" + created->id + "\""), std::string::npos);

  auto expires_at = client_->CloseTranscript(created->id);  // idempotent
  ASSERT_OK(expires_at);
  auto read = client_->GetTranscript(created->id);
  ASSERT_OK(read);
  EXPECT_EQ(read->info.state, TranscriptState::kClosed);
  EXPECT_GT(read->info.closed_at, 0);
  EXPECT_EQ(read->info.expires_at, *expires_at);
  EXPECT_GE(*expires_at, read->info.closed_at + kRetentionMs);
  EXPECT_LE(*expires_at, read->info.closed_at + kRetentionMs + 3600 * 1000);
  EXPECT_EQ(read->messages.size(), 1u);

  // "{}" is an accepted close body too.
  auto again = client_->Request("POST", "/v1/transcripts/" + created->id + "/close", "{}");
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 200) << again->body;
}

TEST_F(RoundTripTest, HealthReportsVersion) {
  auto reply = client_->Request("GET", "/v1/health", "", "");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, std::string(R"({"status":"ok","version":")") + VAULT_VERSION + "\"}\n");
  EXPECT_EQ(reply->Header("Content-Type"), "application/json");
  EXPECT_EQ(reply->Header("Cache-Control"), "no-store");
  EXPECT_FALSE(reply->Header("X-Request-Id").empty());
}

TEST_F(RoundTripTest, LogHoldsNoTranscriptContentOrIds) {
  auto created = client_->CreateTranscript(MarkedVisitorRequest("svc"));
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "TEXT-MARKER")));
  ASSERT_OK(client_->GetTranscript(created->id));
  auto bad = client_->Request("POST", "/v1/transcripts/" + created->id + "/messages",
                              R"({"seq":1,"from":"FROM-MARKER","text":"TEXT-MARKER","x":1})");
  ASSERT_OK(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body.find("MARKER"), std::string::npos) << bad->body;
  ASSERT_EQ(daemon_.Stop(), 0);

  const std::string log = daemon_.ReadLog();
  EXPECT_NE(log.find("/v1/transcripts/{id}/messages"), std::string::npos) << log;
  EXPECT_EQ(log.find("MARKER"), std::string::npos) << log;
  EXPECT_EQ(log.find("203.0.113.99"), std::string::npos) << log;
  EXPECT_EQ(log.find(created->id), std::string::npos) << log;
}

// The API's description is served as it is in the repository: the same
// bytes as docs/openapi.json, as JSON; GET only (no route takes HEAD).
TEST_F(RoundTripTest, ServesTheOpenApiDescriptionOfTheRepository) {
  std::ifstream file(std::string(VAULT_SOURCE_DIR) + "/docs/openapi.json", std::ios::binary);
  ASSERT_TRUE(file.good());
  const std::string expected((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  auto reply = client_->Request("GET", "/v1/openapi.json", "", "");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->Header("Content-Type"), "application/json");
  EXPECT_EQ(reply->body, expected);
  auto post = client_->Request("POST", "/v1/openapi.json", "", "");
  ASSERT_OK(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->Header("Allow"), "GET");
}

}  // namespace
}  // namespace vault::testing
