// Store on a full disk: writes fail without being applied, reads go on, and
// writes resume by themselves once space returns; the write-ahead log stays
// small; DiskSpace measures at most once per interval.
//
// The full-disk tests mount a small tmpfs (root with CAP_SYS_ADMIN) and skip,
// saying so, where they cannot.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/store_fixture.h"
#include "tests/support/free_space.h"
#include "vault/storage/disk_space.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr uint64_t kMiB = 1 << 20;

// A tmpfs of `size` bytes mounted on a fresh directory for the test's length.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(uint64_t size) {
    const std::string options = "size=" + std::to_string(size) + ",mode=0700";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) ==
        0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

#define SKIP_UNLESS_MOUNTED(fs)                                                      \
  if (!(fs).mounted()) {                                                             \
    GTEST_SKIP() << "cannot mount a tmpfs (" << (fs).error()                         \
                 << "): this test needs root with CAP_SYS_ADMIN";                    \
  }

// Records the store's events.
struct Events {
  std::mutex mu;
  std::vector<std::string> names;
  Store::Settings Settings(bool auto_recovery) {
    Store::Settings settings;
    settings.auto_recovery = auto_recovery;
    settings.resume_interval = std::chrono::milliseconds(50);
    settings.on_event = [this](std::string_view event, const Store::EventFields&) {
      std::lock_guard<std::mutex> lock(mu);
      names.emplace_back(event);
    };
    return settings;
  }
  bool Saw(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& n : names) {
      if (n == name) return true;
    }
    return false;
  }
};

// The store's stats once no flush or compaction is running or queued (at
// most 30 s): a flush that had started shows only once it has ended.
Store::Stats Settled(Store& store) {
  const auto deadline = steady_clock::now() + std::chrono::seconds(30);
  while (store.GetStats().background_work > 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return store.GetStats();
}

Status PutValue(Store& store, const std::string& key, size_t size) {
  WriteBatch batch;
  batch.Put(Column::kMessages, key, std::string(size, 'v'));
  return store.Write(&batch);
}

// Parameter: whether RocksDB's own recovery runs (as in vaultd) or only
// writers resume the store, with DB::Resume().
class StoreFullDiskTest : public ::testing::TestWithParam<bool> {};

INSTANTIATE_TEST_SUITE_P(Recovery, StoreFullDiskTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ByRocksDB" : "ByWriters";
                         });

TEST_P(StoreFullDiskTest, WritesFailWhileFullAndResumeByThemselvesOnceSpaceReturns) {
  SmallFileSystem small(24 * kMiB);
  SKIP_UNLESS_MOUNTED(small);
  Events events;
  auto opened = Store::Open(small.path() + "/db", events.Settings(GetParam()));
  ASSERT_OK(opened);
  Store& store = **opened;
  ASSERT_OK(PutValue(store, "before", 100));

  ASSERT_NO_FATAL_FAILURE(FillWith(small.path() + "/filler"));
  Status failed;
  int acknowledged = 0;
  for (; acknowledged < 1000; ++acknowledged) {
    failed = PutValue(store, "k" + std::to_string(acknowledged), 64 * 1024);
    if (!failed.ok()) break;
  }
  ASSERT_FALSE(failed.ok()) << "1000 writes of 64 KiB fit on a full 24 MiB file system";
  EXPECT_EQ(failed.code(), Status::Code::kIOError);
  EXPECT_EQ(failed.reason(), "store_io_error");
  EXPECT_TRUE(store.read_only());
  EXPECT_TRUE(events.Saw("store_stopped"));
  EXPECT_FALSE(PutValue(store, "while-stopped", 10).ok());
  // Reads go on meanwhile.
  ASSERT_OK(store.Get(Column::kMessages, "before"));

  ASSERT_EQ(::unlink((small.path() + "/filler").c_str()), 0);
  // Without RocksDB's recovery, the next write resumes the store.
  const auto deadline = steady_clock::now() + std::chrono::seconds(30);
  while (store.read_only() && steady_clock::now() < deadline) {
    if (!GetParam()) (void)PutValue(store, "after", 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(store.read_only()) << "writes did not resume within 30 s";
  EXPECT_TRUE(events.Saw("store_resumed"));
  ASSERT_OK(PutValue(store, "after", 100));
  const Store::Stats stats = store.GetStats();
  EXPECT_EQ(stats.recoveries, 1u);
  EXPECT_GE(stats.background_errors, 1u);
  EXPECT_FALSE(stats.read_only);
  // Every acknowledged write is there; the refused ones are not.
  for (int i = 0; i < acknowledged; ++i) {
    ASSERT_OK(store.Get(Column::kMessages, "k" + std::to_string(i)));
  }
  EXPECT_EQ(store.Get(Column::kMessages, "while-stopped").status().code(),
            Status::Code::kNotFound);
}

TEST_F(StoreTest, TheWriteAheadLogStaysBounded) {
  const std::string value(48 * 1024, 'm');
  const uint64_t slack = 64 * 1024;  // the batch that crossed a bound
  auto wal_within = [&](uint64_t bound) {
    // A flush runs in the background; a WAL file goes when no memtable
    // needs it any more.
    const auto deadline = steady_clock::now() + std::chrono::seconds(30);
    while (store().GetStats().wal_bytes > bound && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return store().GetStats().wal_bytes;
  };
  // One column, 12 MiB: its memtable is flushed on its own each time it
  // holds kMemtableBytes, and the WAL files only it needed go with it.
  for (int i = 0; i < 256; ++i) {
    ASSERT_OK(Put(Column::kTranscripts, "t" + std::to_string(i), value));
  }
  EXPECT_LE(wal_within(Store::kMemtableBytes + slack), Store::kMemtableBytes + slack);
  EXPECT_GT(store().GetStats().sst_bytes, 0u);
  // The messages column, 24 MiB: the same at kMessagesMemtableBytes, not
  // before (12 MiB are all still in the WAL), and not only at the WAL's
  // bound (24 MiB is less). (The reopen flushes what the other memtables
  // hold, which would keep the WAL files until the WAL's bound flushed them.)
  ASSERT_NO_FATAL_FAILURE(Reopen());
  static_assert(Store::kMessagesMemtableBytes == 16 * kMiB, "the sizes below are for 16 MiB");
  static_assert(Store::kMaxWalBytes > 24 * kMiB);
  const uint64_t flushed_before = store().GetStats().flush_write_bytes;
  for (int i = 0; i < 256; ++i) ASSERT_OK(Put(Column::kMessages, "m" + std::to_string(i), value));
  const Store::Stats at_12 = Settled(store());
  EXPECT_GE(at_12.wal_bytes, 12 * kMiB) << "flushed at less than its memtable";
  EXPECT_EQ(at_12.flush_write_bytes, flushed_before) << "flushed at less than its memtable";
  for (int i = 256; i < 512; ++i) ASSERT_OK(Put(Column::kMessages, "m" + std::to_string(i), value));
  EXPECT_LE(wal_within(Store::kMessagesMemtableBytes + slack),
            Store::kMessagesMemtableBytes + slack);
  // One flush of a whole memtable (a 4 MiB one would have flushed 12 MiB
  // before the check above).
  EXPECT_GE(Settled(store()).flush_write_bytes - flushed_before, 12 * kMiB);

  // Every column, less than its memtable each, 35 MiB together: no memtable
  // fills, so only the WAL's own bound (kMaxWalBytes) flushes them. (Each
  // memtable starts empty after the reopen.)
  ASSERT_NO_FATAL_FAILURE(Reopen());
  static_assert(Store::kMaxWalBytes == 32 * kMiB, "write more than the WAL's bound below");
  auto other_column = [](int i) {  // the seven columns other than messages, in turn
    const int n = i % (kNumColumns - 1);
    return static_cast<Column>(n < static_cast<int>(Column::kMessages) ? n : n + 1);
  };
  for (int i = 0; i < 296; ++i) ASSERT_OK(Put(Column::kMessages, "w" + std::to_string(i), value));
  for (int i = 0; i < 7 * 64; ++i) {
    const Column c = other_column(i);
    ASSERT_NE(c, Column::kMessages);
    ASSERT_OK(Put(c, "w" + std::to_string(i), value));
  }
  EXPECT_LE(wal_within(Store::kMaxWalBytes + slack), Store::kMaxWalBytes + slack);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ValueOf(Column::kTranscripts, "t255"), value);
  EXPECT_EQ(ValueOf(Column::kMessages, "m511"), value);
  EXPECT_EQ(ValueOf(Column::kMessages, "w295"), value);
  for (int i = 7 * 64 - (kNumColumns - 1); i < 7 * 64; ++i) {
    const Column c = other_column(i);
    EXPECT_EQ(ValueOf(c, "w" + std::to_string(i)), value);
  }
  // RocksDB's info log: a new LOG at each open, the last one kept.
  EXPECT_TRUE(fs::exists(db_dir() + "/LOG"));
  EXPECT_TRUE(fs::exists(db_dir() + "/LOG.old"));
}

// Near the worst a restart must flush: five columns holding less than a
// memtable each, together 25 of the WAL's 32 MiB, none of it in SST files
// when the store stops. A start replays the WAL and writes it all to level-0
// files, so it needs about kMaxWalBytes free, and that is enough.
TEST(StoreRestartTest, ReopensWithTheWalsBoundFreeAfterWritesThatNoMemtableFlushed) {
  SmallFileSystem small(80 * kMiB);
  SKIP_UNLESS_MOUNTED(small);
  const std::string dir = small.path() + "/db";
  const std::string value(48 * 1024, 'r');
  constexpr int kColumns = 5;
  constexpr int kEach = 60;  // 2.8 MiB a column: no memtable fills
  constexpr int kMoreMessages = 240;  // 11.3 MiB more in messages: 14 MiB in that column
  auto column_of = [](int i) {
    return i < kColumns * kEach ? static_cast<Column>(i % kColumns) : Column::kMessages;
  };
  {
    auto opened = Store::Open(dir);
    ASSERT_OK(opened);
    for (int i = 0; i < kColumns * kEach + kMoreMessages; ++i) {
      WriteBatch batch;
      batch.Put(column_of(i), "r" + std::to_string(i), value);
      ASSERT_OK((*opened)->Write(&batch));
    }
    const Store::Stats stats = Settled(**opened);
    EXPECT_EQ(stats.background_work, 0u);
    EXPECT_GE(stats.wal_bytes, 25 * kMiB);
    EXPECT_LE(stats.wal_bytes, Store::kMaxWalBytes);
    EXPECT_EQ(stats.sst_bytes, 0u) << "a memtable was flushed; all must be in the WAL";
  }  // closed without a flush: RocksDB flushes no memtable at close

  // Leave the WAL's bound and 1 MiB free.
  const uint64_t keep = Store::kMaxWalBytes + kMiB;
  ASSERT_GT(FreeBytes(small.path()), keep);
  ASSERT_NO_FATAL_FAILURE(LeaveFree(small.path() + "/filler", keep));
  ASSERT_LE(FreeBytes(small.path()), keep + kMiB);

  auto reopened = Store::Open(dir);
  ASSERT_OK(reopened);
  for (int i = 0; i < kColumns * kEach + kMoreMessages; ++i) {
    auto got = (*reopened)->Get(column_of(i), "r" + std::to_string(i));
    ASSERT_OK(got);
    ASSERT_EQ(*got, value) << i;
  }
  // The start flushed what the WAL held.
  EXPECT_LT((*reopened)->GetStats().wal_bytes, kMiB);
  EXPECT_GE((*reopened)->GetStats().sst_bytes, 25 * kMiB);
}

TEST(DiskSpaceTest, ReusesAMeasurementUntilItIsStale) {
  SmallFileSystem small(8 * kMiB);
  SKIP_UNLESS_MOUNTED(small);
  DiskSpace cached(small.path(), std::chrono::hours(1));
  DiskSpace fresh(small.path(), std::chrono::milliseconds(0));
  const uint64_t before = cached.AvailableBytes();
  EXPECT_EQ(before, 8 * kMiB);
  EXPECT_EQ(fresh.AvailableBytes(), before);

  const int fd = ::open((small.path() + "/two-mib").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::posix_fallocate(fd, 0, 2 * kMiB), 0);
  ::close(fd);

  EXPECT_EQ(cached.AvailableBytes(), before);  // measured an hour ago, as far as it knows
  EXPECT_EQ(fresh.AvailableBytes(), before - 2 * kMiB);
  EXPECT_EQ(fresh.failures(), 0u);
}

TEST(DiskSpaceTest, AnUnmeasurableDirectoryIsReportedUnknown) {
  DiskSpace missing(std::string(VAULT_TEST_TMPDIR) + "/no/such/directory",
                    std::chrono::milliseconds(0));
  EXPECT_EQ(missing.AvailableBytes(), DiskSpace::kUnknown);
  EXPECT_GE(missing.failures(), 1u);
}

}  // namespace
}  // namespace vault::testing
