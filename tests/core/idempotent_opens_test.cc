// IdempotentOpens alone (vault/core/idempotent_opens.h): keys are per caller,
// remembered for the window and no longer, at most kMaxEntries of them
// (finished ones dropped first, opens in progress never), each claim closed
// only by its own Finish or Abandon, and a request is the same request only
// field for field.
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

// Claims and finishes (uid, key) for `request` at `now`.
void Open(IdempotentOpens* opens, uint32_t uid, const std::string& key, const NewTranscript& request,
          UnixMillis now, const std::string& id) {
  const IdempotentOpens::Claim claim = opens->Begin(uid, key, request, now);
  ASSERT_EQ(claim.found, Found::kNew) << key;
  opens->Finish(uid, key, claim.generation, CreatedTranscript{id, 99});
}

TEST(IdempotentOpensTest, ReplaysTheFinishedOpenToTheSameCallerOnly) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  const IdempotentOpens::Claim first = opens->Begin(1001, "k", Request("a"), 0);
  ASSERT_EQ(first.found, Found::kNew);
  // While it runs, any open with the key is in progress, whatever its body.
  EXPECT_EQ(opens->Begin(1001, "k", Request("a"), 1).found, Found::kInProgress);
  EXPECT_EQ(opens->Begin(1001, "k", Request("b"), 1).found, Found::kInProgress);
  opens->Finish(1001, "k", first.generation, CreatedTranscript{"id-1", 99});
  const IdempotentOpens::Claim replay = opens->Begin(1001, "k", Request("a"), 2);
  EXPECT_EQ(replay.found, Found::kReplay);
  EXPECT_EQ(replay.created.id, "id-1");
  EXPECT_EQ(replay.created.expires_at, 99);
  EXPECT_EQ(opens->Begin(1001, "k", Request("b"), 3).found, Found::kReused);
  // Another caller's key of the same name is its own.
  EXPECT_EQ(opens->Begin(1002, "k", Request("b"), 4).found, Found::kNew);
}

TEST(IdempotentOpensTest, FieldsAreComparedOneByOne) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  NewTranscript a = Request("ab");
  a.visitor.name = "c";
  ASSERT_NO_FATAL_FAILURE(Open(opens.get(), 7, "k", a, 0, "id"));
  NewTranscript b = Request("a");
  b.visitor.name = "bc";
  EXPECT_EQ(opens->Begin(7, "k", b, 1).found, Found::kReused);
  NewTranscript c = Request("ab");
  c.visitor.name = "c";
  c.visitor.email = "";  // present but empty is not absent
  EXPECT_EQ(opens->Begin(7, "k", c, 2).found, Found::kReused);
  NewTranscript d = a;
  d.service = "sms";
  EXPECT_EQ(opens->Begin(7, "k", d, 3).found, Found::kReused);
  EXPECT_EQ(opens->Begin(7, "k", a, 4).found, Found::kReplay);
}

TEST(IdempotentOpensTest, AKeyLastsTheWindowAndNoLonger) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  ASSERT_NO_FATAL_FAILURE(Open(opens.get(), 1, "k", Request("a"), 1000, "id-1"));
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 1000 + kWindow - 1).found, Found::kReplay);
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 1000 + kWindow).found, Found::kNew);
}

TEST(IdempotentOpensTest, TheWindowIsAtMostADay) {
  auto opens = Make(30LL * 24 * 3600 * 1000);
  ASSERT_NE(opens, nullptr);
  ASSERT_NO_FATAL_FAILURE(Open(opens.get(), 1, "k", Request("a"), 0, "id-1"));
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), IdempotentOpens::kMaxWindowMs - 1).found,
            Found::kReplay);
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), IdempotentOpens::kMaxWindowMs).found, Found::kNew);
}

TEST(IdempotentOpensTest, EachClaimIsClosedOnlyByItsOwnFinishOrAbandon) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  const IdempotentOpens::Claim first = opens->Begin(1, "k", Request("a"), 0);
  opens->Abandon(1, "k", first.generation);
  const IdempotentOpens::Claim second = opens->Begin(1, "k", Request("b"), 1);
  ASSERT_EQ(second.found, Found::kNew);
  // A late Finish or Abandon of the first claim leaves the second alone.
  opens->Finish(1, "k", first.generation, CreatedTranscript{"id-stale", 5});
  opens->Abandon(1, "k", first.generation);
  EXPECT_EQ(opens->Begin(1, "k", Request("b"), 2).found, Found::kInProgress);
  opens->Finish(1, "k", second.generation, CreatedTranscript{"id-2", 5});
  const IdempotentOpens::Claim replay = opens->Begin(1, "k", Request("b"), 3);
  EXPECT_EQ(replay.found, Found::kReplay);
  EXPECT_EQ(replay.created.id, "id-2");
  // A replay's generation frees the key (its transcript was found gone).
  opens->Abandon(1, "k", replay.generation);
  EXPECT_EQ(opens->Begin(1, "k", Request("c"), 4).found, Found::kNew);
}

TEST(IdempotentOpensTest, ForgetDropsAnErasedTranscriptsKeyOnly) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  ASSERT_NO_FATAL_FAILURE(Open(opens.get(), 1, "k", Request("a"), 0, "id-1"));
  ASSERT_NO_FATAL_FAILURE(Open(opens.get(), 1, "k2", Request("c"), 1, "id-2"));
  opens->Forget("id-1");
  opens->Forget("id-unknown");
  EXPECT_EQ(opens->size(), 1u);
  EXPECT_EQ(opens->Begin(1, "k", Request("a"), 3).found, Found::kNew);
  EXPECT_EQ(opens->Begin(1, "k2", Request("c"), 4).found, Found::kReplay);
}

TEST(IdempotentOpensTest, HoldsAtMostItsBoundDroppingTheOldestFinishedFirst) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  // The oldest claim is still in progress: it is never dropped for room.
  const IdempotentOpens::Claim running = opens->Begin(1, "running", Request("a"), 0);
  ASSERT_EQ(running.found, Found::kNew);
  const size_t n = IdempotentOpens::kMaxEntries + 10;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_NO_FATAL_FAILURE(
        Open(opens.get(), 1, "k" + std::to_string(i), Request("a"), 0, "id" + std::to_string(i)));
    ASSERT_LE(opens->size(), IdempotentOpens::kMaxEntries);
  }
  EXPECT_EQ(opens->size(), IdempotentOpens::kMaxEntries);
  EXPECT_EQ(opens->Begin(1, "running", Request("a"), 1).found, Found::kInProgress);
  EXPECT_EQ(opens->Begin(1, "k0", Request("a"), 1).found, Found::kNew);
  EXPECT_EQ(opens->Begin(1, "k" + std::to_string(n - 1), Request("a"), 1).found, Found::kReplay);
}

TEST(IdempotentOpensTest, WhenEveryEntryIsInProgressANewKeyIsRefused) {
  auto opens = Make();
  ASSERT_NE(opens, nullptr);
  for (size_t i = 0; i < IdempotentOpens::kMaxEntries; ++i) {
    ASSERT_EQ(opens->Begin(2, "p" + std::to_string(i), Request("a"), 0).found, Found::kNew);
  }
  EXPECT_EQ(opens->Begin(2, "one-more", Request("a"), 1).found, Found::kFull);
  // Expired claims make room again.
  EXPECT_EQ(opens->Begin(2, "one-more", Request("a"), kWindow).found, Found::kNew);
  EXPECT_EQ(opens->size(), 1u);
}

}  // namespace
}  // namespace vault
