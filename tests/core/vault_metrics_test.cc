// Vault::Metrics(): transcript counts kept as durable counters, synced-write
// timing and store sizes.
#include <gtest/gtest.h>

#include "tests/core/vault_fixture.h"

namespace vault {
namespace {

using VaultMetricsTest = testing::VaultFixture;

TEST_F(VaultMetricsTest, CountsTranscriptsByStateAndKeepsThemAcrossReopen) {
  VaultMetrics m = vault_->Metrics();
  EXPECT_EQ(m.open_transcripts, 0u);
  EXPECT_EQ(m.closed_transcripts, 0u);

  const std::string a = Create();
  const std::string b = Create();
  Create();
  Append(a, 1, "hello");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, a).ok());
  ASSERT_TRUE(vault_->CloseTranscript(caller_, a).ok());  // idempotent: counted once
  ASSERT_TRUE(vault_->CloseTranscript(caller_, b).ok());
  m = vault_->Metrics();
  EXPECT_EQ(m.open_transcripts, 1u);
  EXPECT_EQ(m.closed_transcripts, 2u);

  Reopen();
  m = vault_->Metrics();
  EXPECT_EQ(m.open_transcripts, 1u);
  EXPECT_EQ(m.closed_transcripts, 2u);
}

TEST_F(VaultMetricsTest, FailedOperationsDoNotMoveTheCounts) {
  const std::string id = Create();
  EXPECT_FALSE(vault_->CloseTranscript(caller_, "00000000000000000000000000000000").ok());
  EXPECT_FALSE(vault_->CreateTranscript(caller_, {"bad service", {}}).ok());
  clock_.Advance(kRetention + 1);  // the open transcript has expired
  EXPECT_EQ(vault_->CloseTranscript(caller_, id).status().code(), Status::Code::kGone);
  const VaultMetrics m = vault_->Metrics();
  EXPECT_EQ(m.open_transcripts, 1u);
  EXPECT_EQ(m.closed_transcripts, 0u);
}

TEST_F(VaultMetricsTest, TimesEverySyncedWrite) {
  EXPECT_EQ(vault_->Metrics().synced_writes.Count(), 0u);
  const std::string id = Create();                           // 1 write
  Append(id, 1, "a");                                        // 1 write
  ASSERT_TRUE(vault_->AppendMessage(caller_, id, Msg(1, "a")).ok());  // duplicate: no write
  ASSERT_TRUE(vault_->GetTranscript(caller_, id).ok());               // read: no write
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());             // 1 write
  const VaultMetrics m = vault_->Metrics();
  EXPECT_EQ(m.synced_writes.Count(), 3u);
  EXPECT_GE(m.wal_syncs, 1u);
  EXPECT_LE(m.wal_syncs, 3u);
  EXPECT_EQ(m.failed_writes, 0u);
}

TEST_F(VaultMetricsTest, ReportsBytesOnDisk) {
  for (int i = 0; i < 20; ++i) Append(Create(), 1, std::string(1000, 'x'));
  const VaultMetrics before = vault_->Metrics();
  EXPECT_GT(before.wal_bytes, 20u * 1000u);
  ASSERT_TRUE(vault_->CompactAll().ok());
  const VaultMetrics after = vault_->Metrics();
  EXPECT_GT(after.sst_bytes, 20u * 1000u);
  EXPECT_LT(after.wal_bytes, before.wal_bytes);  // flushed WAL files are released
}

}  // namespace
}  // namespace vault
