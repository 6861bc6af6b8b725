// IdempotentOpens alone (vault/core/idempotent_opens.h): keys are per caller,
// remembered for the window and no longer, at most kMaxEntries of them, and
// a request is the same request only field for field.
#include "vault/core/idempotent_opens.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace vault {
namespace {

using Found = IdempotentOpens::Found;

constexpr UnixMillis kWindow = 60'000;

NewTranscript Request(std::string ref) {
  NewTranscript request;
  request.service = "webchat";
  request.visitor.ref = std::move(ref);
  return request;
}

std::unique_ptr<IdempotentOpens> Make(UnixMillis window = kWindow) {
  auto opens = IdempotentOpens::Create(window);
  EXPECT_TRUE(opens.ok()) << opens.status().ToString();
  return opens.ok() ? std::move(opens).value() : nullptr;
}

TEST(IdempotentOpensTest, ReplaysTheFinishedOpenToTheSameCallerOnly) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  EXPECT_EQ(opens->Begin(1001, "k", Request("a"), 0).found, Found::kNew);
  EXPECT_EQ(opens->Begin(1001, "k", Request("a"), 1).found, Found::kInProgress);
  opens->Finish(1001, "k", CreatedTranscript{"id-1", 99});
  const IdempotentOpens::Claim replay = opens->Begin(1001, "k", Request("a"), 2);
  EXPECT_EQ(replay.found, Found::kReplay);
  EXPECT_EQ(replay.created.id, "id-1");
  EXPECT_EQ(replay.created.expires_at, 99);
  EXPECT_EQ(opens->Begin(1001, "k", Request("b"), 3).found, Found::kReused);
  // Another caller's key of the same name is its own.
  EXPECT_EQ(opens->Begin(1002, "k", Request("b"), 4).found, Found::kNew);
  // uid 1 with key "\x03\xe9k" must not meet uid 1001 with "k".
  EXPECT_EQ(opens->Begin(1, std::string("\0\0\x03\xe9k", 5).substr(2), Request("a"), 5).found,
            Found::kNew);
}

TEST(IdempotentOpensTest, FieldsAreComparedOneByOne) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  NewTranscript a = Request("ab");
  a.visitor.name = "c";
  opens->Begin(7, "k", a, 0);
  opens->Finish(7, "k", CreatedTranscript{"id", 1});
  NewTranscript b = Request("a");
  b.visitor.name = "bc";
  EXPECT_EQ(opens->Begin(7, "k", b, 1).found, Found::kReused);
  NewTranscript c = Request("ab");
  c.visitor.name = "c";
  c.visitor.email = "";  // present but empty is not absent
  EXPECT_EQ(opens->Begin(7, "k", c, 2).found, Found::kReused);
  EXPECT_EQ(opens->Begin(7, "k", a, 3).found, Found::kReplay);
}

TEST(IdempotentOpensTest, AKeyLastsTheWindowAndNoLonger) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  opens->Begin(1, "k", Request("a"), 1000);
  opens->Finish(1, "k", CreatedTranscript{"id-1", 5});
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 1000 + kWindow - 1).found, Found::kReplay);
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 1000 + kWindow).found, Found::kNew);
}

TEST(IdempotentOpensTest, TheWindowIsAtMostADay) {
  auto opens = Make(30LL * 24 * 3600 * 1000);
  ASSERT_NE(opens, nullptr);
  opens->Begin(1, "k", Request("a"), 0);
  opens->Finish(1, "k", CreatedTranscript{"id-1", 5});
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), IdempotentOpens::kMaxWindowMs - 1).found,
            Found::kReplay);
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), IdempotentOpens::kMaxWindowMs).found, Found::kNew);
}

TEST(IdempotentOpensTest, AbandonFreesTheKeyAndForgetDropsAnErasedTranscript) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  opens->Begin(1, "k", Request("a"), 0);
  opens->Abandon(1, "k");
  EXPECT_EQ(opens->Begin(1, "k", Request("b"), 1).found, Found::kNew);
  opens->Finish(1, "k", CreatedTranscript{"id-1", 5});
  opens->Begin(1, "k2", Request("c"), 2);
  opens->Finish(1, "k2", CreatedTranscript{"id-2", 5});
  opens->Forget("id-1");
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 3).found, Found::kNew);
  EXPECT_EQ(opens->Begin(1, "k2", Request("c"), 4).found, Found::kReplay);
}

TEST(IdempotentOpensTest, HoldsAtMostItsBoundAndDropsTheOldestFirst) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  const size_t n = IdempotentOpens::kMaxEntries + 10;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_EQ(opens->Begin(1, key, Request("a"), 0).found, Found::kNew);
    opens->Finish(1, key, CreatedTranscript{"id" + std::to_string(i), 5});
    ASSERT_LE(opens->size(), IdempotentOpens::kMaxEntries);
  }
  EXPECT_EQ(opens->size(), IdempotentOpens::kMaxEntries);
  EXPECT_EQ(opens->Begin(1, "k0", Request("a"), 1).found, Found::kNew);
  EXPECT_EQ(opens->Begin(1, "k" + std::to_string(n - 1), Request("a"), 1).found, Found::kReplay);
}

}  // namespace
}  // namespace vault
