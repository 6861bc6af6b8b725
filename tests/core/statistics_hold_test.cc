// Statistics and legal hold: a held chat was counted when it closed, and
// nothing about its hold, its keeping past retention, its release or its
// destruction afterwards changes the statistics column; its monitoring form
// is refused while it is held.
#include <gtest/gtest.h>

#include <string>

#include "tests/core/holds_fixture.h"

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
};

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
  auto request = File("alice", "case-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("alice", request->id).ok());
  auto done = Approve("bob", request->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
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
