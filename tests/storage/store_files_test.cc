// Store on disk: compaction that removes deleted bytes from every file,
// checkpoints, injected faults, statistics and the directory lock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

// 48 bytes that occur nowhere else: a marker to look for in raw files.
std::string Canary(const std::string& tag) {
  std::string canary = "CANARY-" + tag + "-";
  canary.append(48 - canary.size(), '#');
  return canary;
}

std::string Joined(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += p + " ";
  return out;
}

TEST_F(StoreTest, FlushAndCompactRemovesDeletedValuesFromEveryFile) {
  // Live data around the doomed values, so files are not just empty.
  for (Column c : kAllColumns) {
    for (int i = 0; i < 20; ++i) ASSERT_OK(Put(c, "live-" + std::to_string(i), "live value"));
  }
  // One value per way of removing it: Delete, DeleteRange, overwrite.
  ASSERT_OK(Put(Column::kMessages, "m-doomed", Canary("deleted")));
  ASSERT_OK(Put(Column::kExpiryIndex, "e-doomed", Canary("range")));
  ASSERT_OK(Put(Column::kWrappedKeys, "w-doomed", Canary("overwritten")));
  // The search finds a synced value: it is in the write-ahead log.
  EXPECT_FALSE(FilesContaining(db_dir(), Canary("deleted")).empty());
  // Flushed once, so an SST file holds the doomed values too.
  ASSERT_OK(store().FlushAndCompact());
  EXPECT_FALSE(FilesContaining(db_dir(), Canary("range")).empty());

  ASSERT_OK(Delete(Column::kMessages, "m-doomed"));
  ASSERT_OK(DeleteRange(Column::kExpiryIndex, "e-", "e-\xff"));
  ASSERT_OK(Put(Column::kWrappedKeys, "w-doomed", "rewrapped"));
  ASSERT_OK(store().FlushAndCompact());

  for (const char* tag : {"deleted", "range", "overwritten"}) {
    EXPECT_EQ(Joined(FilesContaining(db_dir(), Canary(tag))), "") << tag << " is still on disk";
  }
  EXPECT_EQ(ValueOf(Column::kWrappedKeys, "w-doomed"), "rewrapped");
  EXPECT_EQ(ValueOf(Column::kMessages, "live-19"), "live value");
  // Still gone from the files, and from reads, after a reopen.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ValueOf(Column::kMessages, "m-doomed"), "<absent>");
  EXPECT_EQ(Joined(FilesContaining(db_dir(), Canary("deleted"))), "");
}

TEST_F(StoreTest, AnInjectedCompactFaultDoesNothingAndTheNextCallWorks) {
  ASSERT_OK(Put(Column::kMessages, "doomed", Canary("compact")));
  ASSERT_OK(Delete(Column::kMessages, "doomed"));
  store().InjectFaultsForTesting(Store::Op::kCompact, 2);
  for (int i = 0; i < 2; ++i) {
    const Status failed = store().FlushAndCompact();
    EXPECT_EQ(failed.code(), Status::Code::kIOError) << failed.ToString();
    EXPECT_EQ(failed.reason(), "injected_fault");
  }
  // Nothing was flushed: no SST file, and the value is still in the WAL.
  EXPECT_EQ(store().GetStats().sst_bytes, 0u);
  EXPECT_FALSE(FilesContaining(db_dir(), Canary("compact")).empty());
  ASSERT_OK(store().FlushAndCompact());
  EXPECT_EQ(Joined(FilesContaining(db_dir(), Canary("compact"))), "");
  EXPECT_EQ(store().GetStats().failed_writes, 0u) << "a compaction fault is not a write fault";
}

TEST_F(StoreTest, ACheckpointOpensAsAStoreWithTheDataAsOfTheCheckpoint) {
  for (Column c : kAllColumns) ASSERT_OK(Put(c, "before", ColumnName(c)));
  ASSERT_OK(Add("open", 12));
  const std::string copy = dir_.path() + "/checkpoint";
  ASSERT_OK(store().CreateCheckpoint(copy));
  ASSERT_TRUE(fs::exists(copy + "/CURRENT"));
  // Changes after the checkpoint stay out of it.
  ASSERT_OK(Put(Column::kMessages, "after", "x"));
  ASSERT_OK(Delete(Column::kTranscripts, "before"));
  ASSERT_OK(Add("open", 1));

  auto opened = Store::Open(copy);
  ASSERT_OK(opened);
  Store& restored = **opened;
  for (Column c : kAllColumns) {
    auto value = restored.Get(c, "before");
    ASSERT_OK(value);
    EXPECT_EQ(*value, ColumnName(c));
  }
  EXPECT_EQ(restored.Get(Column::kMessages, "after").status().code(), Status::Code::kNotFound);
  auto counter = restored.ReadCounter("open");
  ASSERT_OK(counter);
  EXPECT_EQ(*counter, 12);
  // The copy is independent of the live store.
  WriteBatch batch;
  batch.Put(Column::kHolds, "only-in-copy", "y");
  ASSERT_OK(restored.Write(&batch));
  EXPECT_EQ(ValueOf(Column::kHolds, "only-in-copy"), "<absent>");
  EXPECT_EQ(CounterOf("open"), 13);
}

TEST_F(StoreTest, ACheckpointRefusesAnExistingTarget) {
  ASSERT_OK(Put(Column::kMessages, "k", "v"));
  const std::string target = dir_.path() + "/exists";
  fs::create_directory(target);
  {
    std::ofstream(target + "/keep-me") << "precious";
  }
  EXPECT_FALSE(store().CreateCheckpoint(target).ok());
  EXPECT_EQ(ReadFileBytes(target + "/keep-me"), "precious");
  EXPECT_FALSE(fs::exists(target + "/CURRENT"));
  // A checkpoint's own directory cannot be checkpointed into twice either.
  const std::string fresh = dir_.path() + "/fresh";
  ASSERT_OK(store().CreateCheckpoint(fresh));
  EXPECT_FALSE(store().CreateCheckpoint(fresh).ok());
}

TEST_F(StoreTest, AnInjectedCheckpointFaultMakesNoDirectoryAndTheNextCallWorks) {
  ASSERT_OK(Put(Column::kMessages, "k", "v"));
  const std::string target = dir_.path() + "/checkpoint";
  store().InjectFaultsForTesting(Store::Op::kCheckpoint, 1);
  const Status failed = store().CreateCheckpoint(target);
  EXPECT_EQ(failed.code(), Status::Code::kIOError) << failed.ToString();
  EXPECT_EQ(failed.reason(), "injected_fault");
  EXPECT_FALSE(fs::exists(target));
  ASSERT_OK(store().CreateCheckpoint(target));
  auto opened = Store::Open(target);
  ASSERT_OK(opened);
  auto value = (*opened)->Get(Column::kMessages, "k");
  ASSERT_OK(value);
  EXPECT_EQ(*value, "v");
}

TEST_F(StoreTest, StatsCountSyncedWritesAndWalSyncs) {
  const Store::Stats fresh = store().GetStats();
  EXPECT_EQ(fresh.synced_writes.Count(), 0u);
  EXPECT_EQ(fresh.failed_writes, 0u);
  EXPECT_EQ(fresh.sst_bytes, 0u);

  for (int i = 0; i < 5; ++i) ASSERT_OK(Put(Column::kMessages, "s" + std::to_string(i), "v"));
  const Store::Stats synced = store().GetStats();
  EXPECT_EQ(synced.synced_writes.Count(), 5u);
  // One writer at a time: each synced write had its own fsync.
  EXPECT_GE(synced.wal_syncs, fresh.wal_syncs + 5);
  EXPECT_GT(synced.wal_bytes, 0u);

  // Unsynced writes are neither timed nor fsynced.
  for (int i = 0; i < 5; ++i) {
    WriteBatch batch;
    batch.Put(Column::kMessages, "u" + std::to_string(i), "v");
    ASSERT_OK(store().Write(&batch, /*sync=*/false));
  }
  const Store::Stats unsynced = store().GetStats();
  EXPECT_EQ(unsynced.synced_writes.Count(), 5u);
  EXPECT_EQ(unsynced.wal_syncs, synced.wal_syncs);
  EXPECT_GT(unsynced.wal_bytes, synced.wal_bytes);

  store().InjectFaultsForTesting(Store::Op::kWrite, 1);
  EXPECT_FALSE(Put(Column::kMessages, "f", "v").ok());
  const Store::Stats failed = store().GetStats();
  EXPECT_EQ(failed.failed_writes, 1u);
  EXPECT_EQ(failed.synced_writes.Count(), 5u);

  ASSERT_OK(store().FlushAndCompact());
  const Store::Stats compacted = store().GetStats();
  EXPECT_GT(compacted.sst_bytes, 0u);
  EXPECT_GT(compacted.live_data_bytes, 0u);
  EXPECT_LE(compacted.live_data_bytes, compacted.sst_bytes);
  EXPECT_LT(compacted.wal_bytes, unsynced.wal_bytes) << "flushed WAL files are released";
}

TEST_F(StoreTest, OpeningADirectoryAnotherStoreHoldsFailsCleanly) {
  ASSERT_OK(Put(Column::kMessages, "k", "v"));
  auto second = Store::Open(db_dir());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError) << second.status().ToString();
  EXPECT_EQ(second.status().reason(), "store_io_error");
  EXPECT_NE(second.status().message().find("cannot open the store"), std::string::npos)
      << second.status().message();
  // The first store is unharmed and keeps working.
  ASSERT_OK(Put(Column::kMessages, "k2", "v2"));
  EXPECT_EQ(ValueOf(Column::kMessages, "k"), "v");
  // Once it is closed, the directory opens.
  Close();
  auto third = Store::Open(db_dir());
  ASSERT_OK(third);
  auto value = (*third)->Get(Column::kMessages, "k2");
  ASSERT_OK(value);
  EXPECT_EQ(*value, "v2");
}

TEST(StoreOpenTest, OpeningAPathThatIsAFileFails) {
  TempDir dir;
  const std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto opened = Store::Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_FALSE(opened.status().reason().empty()) << opened.status().ToString();
}

}  // namespace
}  // namespace vault::testing
