// Idempotency-Key on POST /v1/transcripts against a real vaultd
// (docs/api.md, section 2.2.1): a retried open with the same key and body
// answers with the same transcript and opens nothing; another body with the
// same key is refused; bad keys are refused before anything is done; a key
// is free again after a failed open, forgotten when its transcript is
// erased, and forgotten by a restart (the documented limit).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

constexpr char kBody[] = R"({"service":"webchat","visitor":{"ref":"v-17","name":"Sam"}})";

class IdempotentOpenTest : public DaemonTest {
 protected:
  StatusOr<HttpReply> Open(const std::string& body, const Client::Headers& headers) {
    return client_->Request("POST", "/v1/transcripts", body, "application/json", headers);
  }
  StatusOr<HttpReply> OpenWithKey(const std::string& key, const std::string& body = kBody) {
    return Open(body, {{"Idempotency-Key", key}});
  }

  // Open transcripts, from the vault's own gauge.
  double OpenCount() { return ScrapeMetric(*client_, "vault_transcripts", {{"state", "open"}}); }

  static std::string IdOf(const HttpReply& reply) {
    return std::string(boost::json::parse(reply.body).at("id").as_string());
  }
};

TEST_F(IdempotentOpenTest, ARetryWithTheSameKeyAndBodyGetsTheSameTranscript) {
  auto first = OpenWithKey("chat-7f3a-open");
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 201) << first->body;
  EXPECT_EQ(first->Header("Idempotent-Replayed"), "");
  // Whitespace and key order are not the request: the parsed fields are.
  const std::string same = R"({ "visitor": {"name":"Sam", "ref":"v-17"}, "service": "webchat" })";
  for (int i = 0; i < 3; ++i) {
    auto again = OpenWithKey("chat-7f3a-open", same);
    ASSERT_OK(again);
    EXPECT_EQ(again->status, 201) << again->body;
    EXPECT_EQ(again->body, first->body);
    EXPECT_EQ(again->Header("Idempotent-Replayed"), "true");
  }
  EXPECT_EQ(OpenCount(), 1);
  // Each answer is recorded as an open of the same transcript.
  int opens = 0;
  int replays = 0;
  for (const boost::json::object& record : AuditRecords(*client_)) {
    const auto* payload = record.if_contains("payload");
    const auto* action = payload == nullptr ? nullptr : payload->as_object().if_contains("action");
    if (action == nullptr || *action != "transcript.open") continue;
    EXPECT_EQ(payload->as_object().at("objects").as_array().at(0).as_string(), IdOf(*first));
    ++opens;
    const auto* details = payload->as_object().if_contains("details");
    if (details != nullptr && details->as_object().contains("replayed")) ++replays;
  }
  EXPECT_EQ(opens, 4);
  EXPECT_EQ(replays, 3);
  // Another key, or none, opens another transcript.
  auto other = OpenWithKey("chat-7f3a-open-2");
  ASSERT_OK(other);
  EXPECT_EQ(other->status, 201);
  EXPECT_NE(IdOf(*other), IdOf(*first));
  auto plain = Open(kBody, {});
  ASSERT_OK(plain);
  EXPECT_EQ(plain->status, 201);
  EXPECT_EQ(OpenCount(), 3);
}

TEST_F(IdempotentOpenTest, TheSameKeyWithAnotherBodyIsRefusedAndOpensNothing) {
  auto first = OpenWithKey("k1");
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 201);
  for (const std::string& body : {
           std::string(R"({"service":"sms","visitor":{"ref":"v-17","name":"Sam"}})"),
           std::string(R"({"service":"webchat","visitor":{"ref":"v-18","name":"Sam"}})"),
           std::string(R"({"service":"webchat","visitor":{"ref":"v-17"}})"),
           std::string(R"({"service":"webchat","visitor":{"ref":"v-17","name":"Sam","ip":"10.0.0.1"}})"),
           // The same characters in two fields, moved across the boundary.
           std::string(R"({"service":"webchat","visitor":{"ref":"v-17S","name":"am"}})"),
       }) {
    SCOPED_TRACE(body);
    auto reply = OpenWithKey("k1", body);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 409) << reply->body;
    EXPECT_EQ(ErrorCodeOf(reply->body), "idempotency_key_reused");
  }
  EXPECT_EQ(OpenCount(), 1);
  // The first request still replays.
  auto again = OpenWithKey("k1");
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(IdOf(*again), IdOf(*first));
}

TEST_F(IdempotentOpenTest, BadKeysAreRefusedBeforeAnythingIsDone) {
  const std::vector<Client::Headers> bad = {
      {{"Idempotency-Key", ""}},
      {{"Idempotency-Key", std::string(256, 'k')}},
      {{"Idempotency-Key", "two words"}},
      {{"Idempotency-Key", "caf\xc3\xa9"}},
      {{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}},
  };
  for (const Client::Headers& headers : bad) {
    auto reply = Open(kBody, headers);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 400) << reply->body;
    EXPECT_EQ(ErrorCodeOf(reply->body), "invalid_idempotency_key") << reply->body;
  }
  EXPECT_EQ(OpenCount(), 0);
  // The longest key is accepted.
  auto longest = OpenWithKey(std::string(255, '~'));
  ASSERT_OK(longest);
  EXPECT_EQ(longest->status, 201) << longest->body;
}

TEST_F(IdempotentOpenTest, AFailedOpenLeavesTheKeyFree) {
  auto bad = OpenWithKey("k2", R"({"service":"no spaces allowed"})");
  ASSERT_OK(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto good = OpenWithKey("k2");
  ASSERT_OK(good);
  EXPECT_EQ(good->status, 201) << good->body;
  EXPECT_EQ(good->Header("Idempotent-Replayed"), "");
  EXPECT_EQ(OpenCount(), 1);
}

TEST_F(IdempotentOpenTest, AnErasedTranscriptIsNoLongerTheKeysAnswer) {
  auto first = OpenWithKey("k3");
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 201);
  auto erased = client_->Request("POST", "/v1/transcripts/" + IdOf(*first) + "/erase",
                                 R"({"reason":"visitor_request"})");
  ASSERT_OK(erased);
  ASSERT_EQ(erased->status, 200) << erased->body;
  auto again = OpenWithKey("k3");
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 201) << again->body;
  EXPECT_NE(IdOf(*again), IdOf(*first));
  EXPECT_EQ(again->Header("Idempotent-Replayed"), "");
}

TEST_F(IdempotentOpenTest, ARestartForgetsEveryKey) {
  auto first = OpenWithKey("k4");
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 201);
  ASSERT_OK(daemon_.Restart());
  ASSERT_NO_FATAL_FAILURE(Reconnect());
  auto again = OpenWithKey("k4");
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 201);
  EXPECT_NE(IdOf(*again), IdOf(*first));
  EXPECT_EQ(OpenCount(), 2);
}

TEST_F(IdempotentOpenTest, TheClientLibrarySendsTheKeyAndReportsAReplay) {
  NewTranscript request;
  request.service = "webchat";
  request.visitor.ref = "v-99";
  request.idempotency_key = "lib-1";
  auto first = client_->CreateTranscript(request);
  ASSERT_OK(first);
  EXPECT_FALSE(first->replayed);
  auto again = client_->CreateTranscript(request);
  ASSERT_OK(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->expires_at, first->expires_at);
  request.visitor.ref = "v-100";
  auto reused = client_->CreateTranscript(request);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.status().reason(), "idempotency_key_reused");
}

TEST_F(IdempotentOpenTest, RefusalsAreAuditedAndTheKeyIsNeitherLoggedNorAudited) {
  const std::string key = "KEY-7c41d09e-never-written";
  auto first = OpenWithKey(key);
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 201);
  auto reused = OpenWithKey(key, R"({"service":"webchat","visitor":{"ref":"v-other"}})");
  ASSERT_OK(reused);
  ASSERT_EQ(reused->status, 409);
  auto replay = OpenWithKey(key);
  ASSERT_OK(replay);
  ASSERT_EQ(replay->status, 201);
  std::vector<std::string> outcomes;
  for (const boost::json::object& record : AuditRecords(*client_)) {
    const std::string text = boost::json::serialize(record);
    EXPECT_EQ(text.find(key), std::string::npos) << text;
    const auto* payload = record.if_contains("payload");
    const auto* action = payload == nullptr ? nullptr : payload->as_object().if_contains("action");
    if (action == nullptr || *action != "transcript.open") continue;
    outcomes.emplace_back(payload->as_object().at("outcome").as_string());
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"ok", "idempotency_key_reused", "ok"}));
  // Stopped, so that every line it wrote is in the log.
  EXPECT_EQ(daemon_.Stop(), 0);
  const std::string log = daemon_.ReadLog();
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(key), std::string::npos) << log;
}

}  // namespace
}  // namespace vault::testing
