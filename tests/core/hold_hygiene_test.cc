// Legal hold's housekeeping: expired requests are wiped by the retention
// run, one pending request per case, a failed compaction after a hold is
// retried like one after an erasure, and the sealed case file refuses a
// share commitment that is not 32 bytes. Manual clock, real store.
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/core/holds_fixture.h"
#include "vault/crypto/random.h"
#include "vault/hold/case_store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;



TEST_F(HoldsTest, TheRetentionRunWipesExpiredRequestsWithTheirApprovals) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  // Alice's share is opened and kept with the request.
  ASSERT_TRUE(Approve("alice", request->id).ok());
  clock_.Advance(kHour + 1);
  // Expired, but still in memory until something forgets it.
  auto before = vault_->GetRequest(caller_, request->id, "");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->state, "expired");
  // The retention run forgets it (its key and Alice's share with it),
  // without any new request being filed.
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Reason(vault_->GetRequest(caller_, request->id, "").status()), "no_request");
}

TEST_F(HoldsTest, TheRetentionRunKeepsRequestsThatHaveNotExpired) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "kept");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("alice", request->id).ok());
  clock_.Advance(kHour - 1000);
  ASSERT_TRUE(vault_->RunRetention().ok());
  auto done = Approve("bob", request->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->executed);
}

TEST_F(HoldsTest, OneCaseHasAtMostOnePendingRequest) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  ASSERT_TRUE(OpenCase("alice", "CASE-2").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  const std::string other = ClosedTranscript("y");
  ASSERT_TRUE(Hold("alice", "CASE-2", other).ok());
  auto first = File("alice", "CASE-1", {id});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(Approve("alice", first->id).ok());
  // A second request on the same case, of either kind, by any officer: 409.
  const Status second = File("bob", "CASE-1", {id}).status();
  EXPECT_EQ(second.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(Reason(second), "request_pending");
  EXPECT_EQ(Reason(File("bob", "CASE-1", {}, RequestKind::kRelease).status()), "request_pending");
  // The refusal is audited.
  const auto filed = AuditPayloads("request.file");
  ASSERT_FALSE(filed.empty());
  EXPECT_EQ(std::string(filed.back().at("outcome").as_string()), "request_pending");
  // Another case is not affected.
  EXPECT_TRUE(File("bob", "CASE-2", {other}).ok());
  // Once the first is carried out, a new one may be filed.
  auto done = Approve("bob", first->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(File("bob", "CASE-1", {id}).ok());
}

TEST_F(HoldsTest, AnExpiredRequestNoLongerBlocksItsCase) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto first = File("alice", "CASE-1", {id});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(Approve("alice", first->id).ok());
  clock_.Advance(kHour + 1);
  auto second = File("bob", "CASE-1", {id});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // The expired one is gone with the filing; the new one is pending.
  EXPECT_EQ(Reason(vault_->GetRequest(caller_, first->id, "").status()), "no_request");
}

TEST_F(HoldsTest, AFailedCompactionAfterAHoldIsCountedAndRetriedByTheNextRun) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = ClosedTranscript(std::string(2000, 'h'));
  auto wrapped = vault_->store()->Get(Column::kWrappedKeys, RawId(id));
  ASSERT_TRUE(wrapped.ok());
  ASSERT_TRUE(vault_->CompactAll().ok());
  ASSERT_TRUE(StoreFilesHold(*wrapped));

  vault_->store()->InjectFaultsForTesting(Store::Op::kCompact, 1);
  auto held = Hold("alice", "CASE-1", id);
  // The hold is committed: the compaction's failure is not the caller's.
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(vault_->Metrics().compaction_failures, 1u);
  EXPECT_EQ(vault_->Metrics().held_transcripts, 1u);
  ASSERT_TRUE(StoreFilesHold(*wrapped)) << "the injected fault did nothing";

  // The next run retries it; a second failure is counted again and kept.
  vault_->store()->InjectFaultsForTesting(Store::Op::kCompact, 1);
  EXPECT_FALSE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->Metrics().compaction_failures, 2u);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->Metrics().compaction_failures, 2u);
  EXPECT_FALSE(StoreFilesHold(*wrapped));
}

TEST(CaseFileTest, ACommitmentThatIsNot32BytesIsRefused) {
  auto root = SecretBytes::Random(32);
  ASSERT_TRUE(root.ok());
  auto state_with = [](size_t commitment_bytes) {
    safeguard::SafeguardState s;
    s.generation = 1;
    safeguard::StoredCase c;
    c.id = "CASE-1";
    c.reason = "r";
    c.opened_by = "alice";
    c.opened_at = 1;
    c.public_key = std::string(32, 'k');
    safeguard::StoredShare share;
    share.officer = "alice";
    share.x = 1;
    share.sealed = std::string(80, 's');
    share.commitment = std::string(commitment_bytes, 'c');
    c.shares.push_back(share);
    s.cases.push_back(c);
    return s;
  };
  auto good = safeguard::EncodeSafeguardFile(state_with(32), *root);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  auto decoded = safeguard::DecodeSafeguardFile(*good, *root);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->cases.at(0).shares.at(0).commitment.size(), 32u);
  for (size_t bytes : {0u, 1u, 31u, 33u, 64u}) {
    auto bad = safeguard::EncodeSafeguardFile(state_with(bytes), *root);
    ASSERT_TRUE(bad.ok()) << bad.status().ToString();
    auto refused = safeguard::DecodeSafeguardFile(*bad, *root);
    EXPECT_FALSE(refused.ok()) << bytes << " bytes";
    if (!refused.ok()) {
      EXPECT_EQ(refused.status().code(), Status::Code::kCorruption) << bytes;
    }
  }
}

}  // namespace
}  // namespace vault::testing
