// Backups: a backup holds no key, and restoring one taken before a shred,
// after the shred, brings back the live transcripts and none of the shredded
// ones.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
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

}  // namespace
}  // namespace vault::testing
