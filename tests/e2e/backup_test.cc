// Backups: a backup holds no key, and restoring one taken before a shred,
// after the shred, brings back the live transcripts and none of the shredded
// ones. A backup killed half-way leaves nothing that looks like a backup, and
// does not block a retry into the same path.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/epochs.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

TEST(BackupTest, ARestoredPreShredBackupReadsLiveTranscriptsAndNoShreddedOne) {
  Daemon daemon({"--retention", "6s", "--epoch", "1s"});
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);

  NewTranscript request;
  request.service = "helpline";
  auto doomed = (*client)->CreateTranscript(request);
  ASSERT_OK(doomed);
  ASSERT_OK((*client)->AppendMessage(doomed->id, MakeMessage(0, "shred me")));
  auto doomed_expiry = (*client)->CloseTranscript(doomed->id);
  ASSERT_OK(doomed_expiry);
  // The live transcript's key epoch ends seconds after the doomed one's.
  while (NowMs() < EpochEnd(*doomed_expiry - 6000) + 3000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto live = (*client)->CreateTranscript(request);
  ASSERT_OK(live);
  ASSERT_OK((*client)->AppendMessage(live->id, MakeMessage(0, "keep me")));

  const std::string backup = daemon.test_dir() + "/backup";
  ASSERT_OK((*client)->Backup(backup));
  EXPECT_TRUE(fs::exists(backup + "/db/CURRENT"));
  EXPECT_TRUE(fs::exists(backup + "/BACKUP.json"));
  for (const auto& entry : fs::recursive_directory_iterator(backup)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name != "keyring" && name != "root.key" && name != "audit.key") << entry.path();
  }
  // A second backup into the same directory is refused.
  EXPECT_EQ((*client)->Backup(backup).reason(), "backup_exists");
  EXPECT_EQ((*client)->Backup("relative/dir").reason(), "invalid_path");

  // The shred of the doomed epoch.
  const uint64_t doomed_epoch = static_cast<uint64_t>(*doomed_expiry / kEpochMs);
  while (true) {
    auto status = (*client)->GetRetentionStatus();
    ASSERT_OK(status);
    if (status->base_epoch > doomed_epoch) break;
    ASSERT_LT(NowMs(), EpochEnd(*doomed_expiry) + 2000) << "no shred in time";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  client->reset();
  ASSERT_EQ(daemon.Stop(), 0);

  // Restore: the backup's database under the current keys.
  const fs::path db = fs::path(daemon.data_dir()) / "db";
  fs::remove_all(db);
  fs::copy(backup + "/db", db, fs::copy_options::recursive);
  ASSERT_OK(daemon.Start());
  auto restored = daemon.Connect();
  ASSERT_OK(restored);
  auto kept = (*restored)->GetTranscript(live->id);
  ASSERT_OK(kept);
  ASSERT_EQ(kept->messages.size(), 1u);
  EXPECT_EQ(kept->messages[0].text, "keep me");
  auto gone = (*restored)->Request("GET", "/v1/transcripts/" + doomed->id, "", "");
  ASSERT_OK(gone);
  EXPECT_TRUE(IsJsonError(*gone, 410, "expired")) << gone->body;
}

// vaultd is killed (a failpoint) in the middle of a backup, then restarted:
// the target path does not exist (only the hidden incomplete sibling may),
// and the same path then takes a complete backup.
class BackupCrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BackupCrashTest, AKilledBackupLeavesNoBackupAndTheRetrySucceeds) {
  Daemon daemon;
  ASSERT_OK(daemon.StartWithFailpoint(GetParam()));
  {
    auto client = daemon.Connect();
    ASSERT_OK(client);
    NewTranscript request;
    request.service = "helpline";
    auto created = (*client)->CreateTranscript(request);
    ASSERT_OK(created);
    ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(0, "backed up")));
    const std::string backup = daemon.test_dir() + "/backup";
    EXPECT_FALSE((*client)->Backup(backup).ok()) << "vaultd answered instead of dying";
  }
  const int status = daemon.Wait(std::chrono::seconds(30));
  ASSERT_EQ(status, 128 + 9) << "vaultd did not die at " << GetParam() << "\n" << daemon.ReadLog();

  const std::string backup = daemon.test_dir() + "/backup";
  const std::string incomplete = daemon.test_dir() + "/.backup.incomplete";
  // A half-made backup never looks complete: the path itself is absent.
  EXPECT_FALSE(fs::exists(backup));
  EXPECT_TRUE(fs::exists(incomplete + "/db")) << "the failpoint came before the copy";

  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);
  ASSERT_OK((*client)->Backup(backup));
  EXPECT_TRUE(fs::exists(backup + "/db/CURRENT"));
  std::ifstream in(backup + "/BACKUP.json");
  const std::string info((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(info.find("\"format\":\"transcript-vault-backup-v1\""), std::string::npos) << info;
  EXPECT_FALSE(fs::exists(incomplete)) << "the incomplete sibling was left";
  EXPECT_EQ((*client)->Backup(backup).reason(), "backup_exists");
}

INSTANTIATE_TEST_SUITE_P(Failpoints, BackupCrashTest,
                         ::testing::Values("backup.after_checkpoint", "backup.before_rename"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace vault::testing
