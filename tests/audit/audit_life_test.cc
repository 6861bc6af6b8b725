// TranscriptLife over logs written by AuditLog with records shaped like
// vaultd's: each fate, the key epoch carried through re-wraps and a release,
// and logs older than the key facts.
#include <gtest/gtest.h>

#include "tests/audit/audit_fixture.h"
#include "vault/audit/life.h"

namespace vault {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

class AuditLifeTest : public testing::AuditFixture {
 protected:
  uint64_t Add(const std::string& action, std::vector<std::string> objects,
               std::vector<std::pair<std::string, std::string>> details,
               const std::string& outcome = "ok") {
    const std::string role = details.empty() ? "writer" : "system";
    return AppendAccess(action, std::move(objects), std::move(details), outcome, role);
  }
  audit::LifeReport Life(const std::string& id = kId) {
    auto r = audit::TranscriptLife(Opts().dir, id, log_->Size());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : audit::LifeReport{};
  }
  std::vector<std::pair<std::string, std::string>> Facts(const std::string& epoch) {
    return {{"key_epoch", epoch}, {"expires_at", "2027-01-15T08:00:00.000Z"}};
  }
  void Advance(const std::string& from, const std::string& to) {
    for (const char* outcome : {"started", "ok"}) {
      Add("retention.advance", {}, {{"from_epoch", from}, {"to_epoch", to}}, outcome);
    }
  }
};

TEST_F(AuditLifeTest, AnExpiredTranscriptsKeyDiesWithTheAdvancePastItsLastEpoch) {
  Open();
  const uint64_t opened = Add("transcript.open", {kId}, Facts("10"));
  Add("transcript.rewrap", {kId}, {{"from_epoch", "10"}, {"key_epoch", "11"}});
  Add("transcript.read", {kId}, {}, "forbidden");
  const uint64_t closed = Add("transcript.close", {kId}, Facts("12"));
  Add("transcript.read", {"ffffffffffffffffffffffffffffffff"}, {});
  Advance("10", "12");  // epoch 11 ends: not this key
  EXPECT_EQ(Life().fate, "live");
  Advance("12", "13");
  const audit::LifeReport r = Life();
  EXPECT_EQ(r.fate, "key destroyed");
  EXPECT_EQ(r.opened->seq, opened);
  EXPECT_EQ(r.closed->seq, closed);
  EXPECT_EQ(r.key_epoch, 12u);
  EXPECT_EQ(r.key_destroyed->seq, log_->Size() - 1);
  EXPECT_EQ(r.events.size(), 5u) << "open, re-wrap, refusal, close, the advance";
  EXPECT_NE(audit::LifeText(r).find("transcript.read forbidden"), std::string::npos);
}

TEST_F(AuditLifeTest, ErasedHeldReleasedAndUnknownTranscripts) {
  Open();
  Add("transcript.open", {kId}, Facts("5"));
  Add("transcript.close", {kId}, Facts("5"));
  const uint64_t held = Add("hold.place", {kId}, {{"officer", "alice"}, {"case", "C-1"}});
  Advance("5", "9");
  audit::LifeReport r = Life();
  EXPECT_EQ(r.fate, "held");
  EXPECT_EQ(r.held->seq, held);
  EXPECT_FALSE(r.key_destroyed);
  Add("transcript.release", {kId}, {{"fate", "returned"}, {"key_epoch", "9"}});
  Add("case.release", {"11111111111111111111111111111111"}, {{"case", "C-1"}});
  r = Life();
  EXPECT_EQ(r.fate, "live");
  EXPECT_EQ(r.key_epoch, 9u);
  Advance("9", "10");
  EXPECT_EQ(Life().fate, "key destroyed");

  const std::string other = "22222222222222222222222222222222";
  Add("transcript.open", {other}, {});  // written before key epochs were recorded
  const uint64_t erased = Add("transcript.erase", {other}, {});
  Add("transcript.erase", {other}, {{"already", "erased"}});
  r = Life(other);
  EXPECT_EQ(r.fate, "erased");
  EXPECT_EQ(r.erased->seq, erased);
  EXPECT_FALSE(r.key_epoch);
  EXPECT_NE(audit::LifeText(r).find("key epoch not recorded"), std::string::npos);

  EXPECT_EQ(Life("33333333333333333333333333333333").fate, "not in the log");
  EXPECT_FALSE(audit::TranscriptLife(Opts().dir, "not-an-id", log_->Size()).ok());
}

TEST_F(AuditLifeTest, UnsealedRecordsTheVerifierDidNotCoverAreNotRead) {
  Open();
  Add("transcript.open", {kId}, Facts("3"));
  const uint64_t verified = log_->Size();
  Add("transcript.erase", {kId}, {});
  auto r = audit::TranscriptLife(Opts().dir, kId, verified);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->fate, "live");
}

}  // namespace
}  // namespace vault
