// Backups are made in a hidden sibling and renamed into place once complete:
// what a backup killed half-way left there is removed (and the removal
// audited) by the next backup into the same path, and a failed backup leaves
// neither the path nor the sibling.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/core/vault_fixture.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

using BackupRetryTest = VaultFixture;

TEST_F(BackupRetryTest, AnIncompleteBackupIsRemovedByTheRetryAndTheRemovalAudited) {
  Append(Create(), 0, "hello");
  const std::string target = dir_.path() + "/nightly";
  const std::string incomplete = dir_.path() + "/.nightly.incomplete";
  // What a backup killed after its checkpoint leaves: the sibling, no
  // BACKUP.json.
  fs::create_directories(incomplete + "/db");
  std::ofstream(incomplete + "/db/CURRENT") << "MANIFEST-000001\n";

  const Status made = vault_->Backup(caller_, target);
  ASSERT_TRUE(made.ok()) << made.ToString();
  EXPECT_TRUE(fs::exists(target + "/db/CURRENT"));
  EXPECT_TRUE(fs::exists(target + "/BACKUP.json"));
  EXPECT_FALSE(fs::exists(incomplete));
  const auto records = AuditPayloads("vault.backup");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(std::string(records[0].at("outcome").as_string()), "started");
  EXPECT_EQ(Detail(records[0], "incomplete"), "removed");
  EXPECT_EQ(std::string(records[1].at("outcome").as_string()), "ok");

  // A backup with nothing to clean says nothing about it.
  ASSERT_TRUE(vault_->Backup(caller_, dir_.path() + "/weekly").ok());
  EXPECT_EQ(Detail(AuditPayloads("vault.backup")[2], "incomplete"), "");
}

TEST_F(BackupRetryTest, AFailedBackupLeavesNeitherThePathNorItsSibling) {
  Append(Create(), 0, "hello");
  const std::string target = dir_.path() + "/nightly";
  vault_->store()->InjectFaultsForTesting(Store::Op::kCheckpoint, 1);
  EXPECT_FALSE(vault_->Backup(caller_, target).ok());
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(dir_.path() + "/.nightly.incomplete"));
  ASSERT_TRUE(vault_->Backup(caller_, target).ok());
  EXPECT_TRUE(fs::exists(target + "/BACKUP.json"));
}

}  // namespace
}  // namespace vault::testing
