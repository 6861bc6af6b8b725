// Erasure and backups when the store fails part-way: an erasure is reported
// once it is committed, whatever the compaction after it does, and is safe
// to repeat; a backup is audited before and after the copy, and a failed
// copy leaves no half-made directory.
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/core/vault_fixture.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using EraseBackupTest = VaultFixture;

std::vector<std::string> Outcomes(const std::vector<json::object>& payloads) {
  std::vector<std::string> out;
  for (const json::object& p : payloads) out.emplace_back(p.at("outcome").as_string());
  return out;
}


TEST_F(EraseBackupTest, AnErasureSucceedsOnceCommittedEvenIfCompactionFails) {
  const std::string id = Create();
  Append(id, 0, std::string(3000, 'e'));
  const std::string sealed = SealedMessage(id);
  ASSERT_TRUE(vault_->CompactAll().ok());

  vault_->store()->InjectFaultsForTesting(Store::Op::kCompact, 1);
  const Status erased = vault_->EraseTranscript(caller_, id, EraseReason::kNone);
  EXPECT_TRUE(erased.ok()) << erased.ToString();
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().reason(), "erased");
  EXPECT_EQ(vault_->Metrics().compaction_failures, 1u);
  ASSERT_TRUE(StoreFilesHold(sealed)) << "the injected fault did nothing";

  // A retry answers the same success, and changes nothing.
  const Status again = vault_->EraseTranscript(caller_, id, EraseReason::kNone);
  EXPECT_TRUE(again.ok()) << again.ToString();
  const auto records = AuditPayloads("transcript.erase");
  EXPECT_EQ(Outcomes(records), (std::vector<std::string>{"ok", "ok"}));
  EXPECT_EQ(Detail(records[1], "already"), "erased");

  // The next retention run does the compaction that failed.
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_FALSE(StoreFilesHold(sealed));
}

TEST_F(EraseBackupTest, ABackupIsAuditedBeforeAndAfterAndAFailedOneLeavesNothing) {
  Append(Create(), 0, "hello");
  const std::string failed = dir_.path() + "/failed";
  vault_->store()->InjectFaultsForTesting(Store::Op::kCheckpoint, 1);
  const Status refused = vault_->Backup(caller_, failed);
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(fs::exists(failed)) << "a half-made backup directory was left";
  EXPECT_EQ(Outcomes(AuditPayloads("vault.backup")),
            (std::vector<std::string>{"started", "injected_fault"}));

  const std::string good = dir_.path() + "/good";
  ASSERT_TRUE(vault_->Backup(caller_, good).ok());
  EXPECT_TRUE(fs::exists(good + "/BACKUP.json"));
  EXPECT_EQ(Outcomes(AuditPayloads("vault.backup")),
            (std::vector<std::string>{"started", "injected_fault", "started", "ok"}));

  // A refusal by the checks is one record, as before.
  EXPECT_EQ(vault_->Backup(caller_, good).code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(Outcomes(AuditPayloads("vault.backup")).back(), "backup_exists");
}

}  // namespace
}  // namespace vault::testing
