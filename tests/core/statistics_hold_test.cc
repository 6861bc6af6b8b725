// Statistics and legal hold: a held chat was counted when it closed, and
// nothing about its hold, its keeping past retention, its release or its
// destruction afterwards changes the statistics column; its monitoring form
// is refused while it is held.
#include <gtest/gtest.h>

#include <string>

#include "tests/core/holds_fixture.h"
#include "vault/common/encoding.h"
#include "vault/stats/day_counts.h"

namespace vault::testing {
namespace {

class StatisticsHoldTest : public HoldsFixture {
 protected:
  std::string StatisticsBytes() {
    std::string out;
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kStatistics, "",
                           [&](std::string_view k, std::string_view v) {
                             out.append(k);
                             out.append(v);
                             return true;
                           })
                    .ok());
    return out;
  }
  // The day's count of returning chats of the helpline, as stored.
  int64_t ReturningToday() {
    int64_t n = 0;
    const int32_t day = stats::LocalDay(clock_.NowMillis(), 0);
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kStatistics, stats::DayPrefix("helpline", day),
                           [&](std::string_view k, std::string_view v) {
                             std::string service;
                             int32_t at = 0;
                             stats::Cell c;
                             EXPECT_TRUE(stats::ParseCellKey(k, &service, &at, &c));
                             if (c.table == "returning" && c.row == "returning") {
                               n += static_cast<int64_t>(GetU64(v.data()));
                             }
                             return true;
                           })
                    .ok());
    return n;
  }
  // Opens and closes a chat of a visitor with reference `ref`; whether it
  // was counted as returning. Its id in `id`.
  bool Returning(const std::string& ref, std::string* id = nullptr) {
    const int64_t before = ReturningToday();
    NewTranscript req;
    req.service = "helpline";
    req.visitor.ref = ref;
    auto c = vault_->CreateTranscript(caller_, req);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return false;
    if (id != nullptr) *id = c->id;
    EXPECT_TRUE(vault_->CloseTranscript(caller_, c->id).ok());
    return ReturningToday() - before == 1;
  }
};

// Held chats are not in the presence table (vault/index/visitor_presence.h):
// once the held chat's pre-hold epoch has ended, its visitor is found in
// the case's key space, also after a restart, and no longer once a release
// has destroyed it.
TEST_F(StatisticsHoldTest, AHeldChatsVisitorIsReturningForAsLongAsItIsHeld) {
  ASSERT_TRUE(OpenCase("alice", "case-3").ok());
  std::string held;
  EXPECT_FALSE(Returning("kept", &held));
  ASSERT_TRUE(Hold("alice", "case-3", held).ok());
  EXPECT_TRUE(Returning("kept"));

  // Past every unheld chat's retention: only the held one is left.
  clock_.Advance(2 * kRetention);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_TRUE(Returning("kept"));
  EXPECT_FALSE(Returning("stranger"));

  Reopen();
  vault_->WaitForIndexFilter();
  ASSERT_TRUE(vault_->visitor_presence().ready());
  clock_.Advance(2 * kRetention);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_TRUE(Returning("kept"));

  // Released past its retention: destroyed, and the visitor is new again
  // once the chat just made has gone too.
  clock_.Advance(2 * kRetention);
  ASSERT_TRUE(vault_->RunRetention().ok());
  ReleaseCase("case-3");
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, held).status().code(), Status::Code::kGone);
  EXPECT_FALSE(Returning("kept"));
}

// A hold placed before cases had index keys left its transcript's entries
// under the epoch its key was wrapped under before the hold, where the
// presence table does not count them: after a restart the table answers
// "unknown" rather than "absent" until that epoch ends, so the open searches
// every epoch as before and such a visitor is still returning.
TEST_F(StatisticsHoldTest, AnOldHoldsEntriesUnderAnEpochMakeTheTableUnsureUntilItEnds) {
  ASSERT_TRUE(OpenCase("alice", "case-4").ok());
  std::string held;
  EXPECT_FALSE(Returning("old-hold", &held));
  ASSERT_TRUE(Hold("alice", "case-4", held).ok());
  const std::vector<Identifier> nobody = {{IdentifierKind::kRef, "somebody-new"}};
  // Held as this version holds: nothing is left under the epoch.
  Reopen();
  vault_->WaitForIndexFilter();
  EXPECT_EQ(vault_->visitor_presence().Lookup("helpline", nobody, vault_->keyring()->base_epoch()),
            VisitorPresence::Answer::kAbsent);

  // Its entry put back under the pre-hold epoch, as an old hold left it.
  std::string raw;
  ASSERT_TRUE(FromHex(held, &raw));
  auto marker = vault_->store()->Get(Column::kWrappedKeys, raw);
  ASSERT_TRUE(marker.ok());
  const uint64_t epoch = HeldMarkerKeyEpoch(*marker);
  ASSERT_GE(epoch, vault_->keyring()->base_epoch());
  WriteBatch batch;
  ASSERT_TRUE(vault_->visitor_index()
                  .StageAdd(epoch, raw, "helpline", {{IdentifierKind::kRef, "old-hold"}}, &batch)
                  .ok());
  ASSERT_TRUE(vault_->store()->Write(&batch).ok());
  Reopen();
  vault_->WaitForIndexFilter();
  EXPECT_EQ(vault_->visitor_presence().Lookup("helpline", nobody, vault_->keyring()->base_epoch()),
            VisitorPresence::Answer::kUnknown);
  EXPECT_TRUE(Returning("old-hold"));
  EXPECT_FALSE(Returning("somebody-new"));

  // Once that epoch is destroyed the table answers again.
  clock_.Advance(2 * kRetention);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->visitor_presence().Lookup("helpline", nobody, vault_->keyring()->base_epoch()),
            VisitorPresence::Answer::kAbsent);
  EXPECT_TRUE(Returning("old-hold"));  // found in the case's key space
}

TEST_F(StatisticsHoldTest, HoldsKeepingReleaseAndShreddingLeaveTheCountsAlone) {
  ASSERT_TRUE(OpenCase("alice", "case-1").ok());
  const std::string held = HeldTranscript("case-1", "something worrying");
  const std::string plain = ClosedTranscript("an ordinary chat");
  const std::string counted = StatisticsBytes();
  ASSERT_FALSE(counted.empty()) << "both chats were counted at close";

  // Kept past its retention while the other is shredded.
  clock_.Advance(2 * kRetention);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, plain).status().code(), Status::Code::kGone);
  EXPECT_EQ(vault_->GetTranscript(caller_, held).status().reason(), "legal_hold");
  EXPECT_EQ(StatisticsBytes(), counted);

  // Released past its retention: destroyed, and still counted once.
  ReleaseCase("case-1");
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, held).status().code(), Status::Code::kGone);
  EXPECT_EQ(StatisticsBytes(), counted);
}

TEST_F(StatisticsHoldTest, AHeldChatTakesNoMonitoringForm) {
  statistics_.questions = {{"helped", "Did the chat help?", {"yes", "no"}}};
  Reopen();  // with a question this time; the officers stay enrolled
  ASSERT_TRUE(OpenCase("alice", "case-2").ok());
  const std::string held = HeldTranscript("case-2", "something worrying");
  const std::string before = StatisticsBytes();
  EXPECT_EQ(vault_->SubmitMonitoring(caller_, held, MonitoringAnswers{{{"helped", "yes"}}}).reason(),
            "legal_hold");
  EXPECT_EQ(StatisticsBytes(), before);
}

}  // namespace
}  // namespace vault::testing
