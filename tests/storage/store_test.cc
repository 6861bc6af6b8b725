// Store: column families, atomic batches and durability across a reopen, on
// a real RocksDB directory.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/storage/store_fixture.h"
#include "vault/common/encoding.h"

namespace vault::testing {
namespace {

// A key and a value that are not C strings: NUL and high bytes inside.
const std::string kBinaryKey("id\0\xff\x01key", 8);
const std::string kBinaryValue("\0\x80sealed\0\xfe", 10);

TEST(StoreColumnNameTest, NamesEveryColumnFamily) {
  EXPECT_STREQ(ColumnName(Column::kTranscripts), "transcripts");
  EXPECT_STREQ(ColumnName(Column::kMessages), "messages");
  EXPECT_STREQ(ColumnName(Column::kWrappedKeys), "wrapped_keys");
  EXPECT_STREQ(ColumnName(Column::kExpiryIndex), "expiry_index");
  EXPECT_STREQ(ColumnName(Column::kHolds), "holds");
  EXPECT_STREQ(ColumnName(Column::kVisitorIndex), "visitor_index");
  EXPECT_STREQ(ColumnName(Column::kRights), "rights");
  EXPECT_STREQ(ColumnName(static_cast<Column>(kNumColumns)), "unknown");
  EXPECT_EQ(std::size(kAllColumns), static_cast<size_t>(kNumColumns));
}

// The newest OPTIONS file in `db_dir` (RocksDB keeps the one before it
// too; the numbers have the same width, so the newest sorts last), or ""
// with a test failure.
std::string NewestOptionsFile(const std::string& db_dir) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(db_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("OPTIONS-", 0) == 0 && name > newest) newest = name;
  }
  EXPECT_FALSE(newest.empty()) << "no OPTIONS file in " << db_dir;
  return newest.empty() ? "" : ReadFileBytes(db_dir + "/" + newest);
}

// The value of `option` in column family `family`'s section of an OPTIONS
// file, or "<absent>".
std::string ColumnOption(const std::string& options, std::string_view family,
                         std::string_view option) {
  const size_t section = options.find("[CFOptions \"" + std::string(family) + "\"]");
  if (section == std::string::npos) return "<absent>";
  const std::string key = "\n  " + std::string(option) + "=";
  const size_t at = options.find(key, section);
  const size_t next_section = options.find("\n[", section + 1);
  if (at == std::string::npos || at > next_section) return "<absent>";
  const size_t begin = at + key.size();
  return options.substr(begin, options.find('\n', begin) - begin);
}

// The names are the ones RocksDB records for the families on disk.
TEST_F(StoreTest, ColumnNamesAreTheFamiliesInTheOptionsFile) {
  const std::string options = NewestOptionsFile(db_dir());
  for (Column c : kAllColumns) {
    EXPECT_NE(options.find("[CFOptions \"" + std::string(ColumnName(c)) + "\"]"),
              std::string::npos)
        << ColumnName(c);
  }
}

// The columns whose random keys make each compaction of level 0 rewrite
// their whole level 1 wait for more level-0 files; the others keep
// RocksDB's 4, and every column its write slowdown at 20.
TEST_F(StoreTest, ColumnsOfRandomKeysCompactLevelZeroLater) {
  const std::string options = NewestOptionsFile(db_dir());
  for (Column c : kAllColumns) {
    const bool random = c == Column::kTranscripts || c == Column::kWrappedKeys ||
                        c == Column::kExpiryIndex;
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "level0_file_num_compaction_trigger"),
              random ? std::to_string(Store::kRandomKeysLevel0Files) : "4")
        << ColumnName(c);
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "level0_slowdown_writes_trigger"), "20")
        << ColumnName(c);
  }
  static_assert(Store::kRandomKeysLevel0Files < 20, "below RocksDB's write slowdown trigger");
}

// Every column's memtable grows by blocks under vaultd's mmap threshold
// (store.h, kArenaBlockBytes; the reuse itself is memtable_memory_test's).
TEST_F(StoreTest, MemtablesGrowByBlocksOfTheArenaSize) {
  const std::string options = NewestOptionsFile(db_dir());
  EXPECT_EQ(ColumnOption(options, "default", "arena_block_size"),
            std::to_string(Store::kArenaBlockBytes));
  for (Column c : kAllColumns) {
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "arena_block_size"),
              std::to_string(Store::kArenaBlockBytes))
        << ColumnName(c);
  }
}

// Appends insert with a hint per transcript id in the messages column (keys
// of a message's 24 bytes or more) and the transcripts column (17 or more);
// no other column has a hint (store.cc, TranscriptHint).
TEST_F(StoreTest, MessagesAndTranscriptsInsertWithAHintPerTranscript) {
  const std::string options = NewestOptionsFile(db_dir());
  for (Column c : kAllColumns) {
    const std::string expected = c == Column::kMessages      ? "vault.TranscriptHint.24"
                                 : c == Column::kTranscripts ? "vault.TranscriptHint.17"
                                                             : "nullptr";
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "memtable_insert_with_hint_prefix_extractor"),
              expected)
        << ColumnName(c);
  }
}

// The two columns that take only merge operands, the statistics and the
// counters (RocksDB's default family), append them to vector memtables;
// every other column keeps its skip list, which reads need sorted.
TEST_F(StoreTest, MergeOnlyColumnsAppendToVectorMemtables) {
  const std::string options = NewestOptionsFile(db_dir());
  const std::string vector = "{id=VectorRepFactory;count=0;}";
  EXPECT_EQ(ColumnOption(options, "default", "memtable_factory"), vector);
  // A merge that read the memtable would sort a copy of it every time.
  EXPECT_EQ(ColumnOption(options, "default", "max_successive_merges"), "0");
  for (Column c : kAllColumns) {
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "memtable_factory"),
              c == Column::kStatistics ? vector : "SkipListFactory")
        << ColumnName(c);
    EXPECT_EQ(ColumnOption(options, ColumnName(c), "max_successive_merges"), "0")
        << ColumnName(c);
  }
}

// A vector memtable is sorted when it is read, not as it is written: sums
// read from the live memtable, with operands of several keys interleaved,
// are the sums, by a scan, a bounded scan and a point read; so are they
// from a read-only open (which replays the WAL into memtables and keeps
// them), after a reopen (whose recovery flushes them) and after a flush and
// compaction.
TEST_F(StoreTest, CountsInAVectorMemtableReadBackSortedAndSummed) {
  std::map<std::string, int64_t> want;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "cell-" + std::to_string((i * 7919) % 37);
    const int64_t n = (i % 5) - 1;  // -1 .. 3: some keys go down
    WriteBatch batch;
    batch.AddToCount(Column::kStatistics, key, n);
    batch.AddToCounter("counter-" + std::to_string(i % 3), n);
    ASSERT_OK(store().Write(&batch));
    want[key] += n;
  }
  auto check = [&](Store& s, const char* when) {
    std::map<std::string, int64_t> got;
    std::string last;
    ASSERT_OK(s.Scan(Column::kStatistics, "", [&](std::string_view k, std::string_view v) {
      EXPECT_LT(last, std::string(k)) << when << ": keys out of order";
      last = std::string(k);
      EXPECT_EQ(v.size(), 8u) << when;
      got[std::string(k)] = static_cast<int64_t>(GetU64(v.data()));
      return true;
    }));
    EXPECT_EQ(got, want) << when;
    // As a statistics query reads: a range with an upper bound.
    std::map<std::string, int64_t> ranged;
    ASSERT_OK(s.ScanRange(Column::kStatistics, "cell-1", "cell-2",
                          [&](std::string_view k, std::string_view v) {
                            ranged[std::string(k)] = static_cast<int64_t>(GetU64(v.data()));
                            return true;
                          }));
    std::map<std::string, int64_t> want_ranged(want.lower_bound("cell-1"),
                                               want.lower_bound("cell-2"));
    EXPECT_EQ(ranged, want_ranged) << when;
    EXPECT_FALSE(ranged.empty()) << when;
    auto one = s.Get(Column::kStatistics, "cell-7");
    ASSERT_OK(one);
    EXPECT_EQ(static_cast<int64_t>(GetU64(one->data())), want["cell-7"]) << when;
    for (int c = 0; c < 3; ++c) {
      int64_t sum = 0;
      for (int i = c; i < 3000; i += 3) sum += (i % 5) - 1;
      auto counter = s.ReadCounter("counter-" + std::to_string(c));
      ASSERT_OK(counter);
      EXPECT_EQ(*counter, sum) << when;
    }
  };
  check(store(), "in the memtable");
  Close();
  // Nothing was flushed: the read-only open below reads the WAL's operands
  // back into (vector) memtables, not from a table file.
  for (const auto& entry : std::filesystem::directory_iterator(db_dir())) {
    EXPECT_NE(entry.path().extension(), ".sst") << entry.path();
  }
  {
    auto read_only = Store::OpenReadOnly(db_dir());
    ASSERT_OK(read_only);
    check(**read_only, "in the memtables of a read-only open");
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  check(store(), "after a reopen");
  ASSERT_OK(store().FlushAndCompact());
  check(store(), "after a flush and compaction");
}

TEST_F(StoreTest, EveryColumnRoundTripsItsOwnValue) {
  for (Column c : kAllColumns) {
    ASSERT_OK(Put(c, "same-key", std::string("value of ") + ColumnName(c)));
    ASSERT_OK(Put(c, kBinaryKey, kBinaryValue + ColumnName(c)));
  }
  for (Column c : kAllColumns) {
    EXPECT_EQ(ValueOf(c, "same-key"), std::string("value of ") + ColumnName(c));
    EXPECT_EQ(ValueOf(c, kBinaryKey), kBinaryValue + ColumnName(c));
  }
}

// A new store creates its columns in one step (Store::OpenImpl); each must
// be the family of its name, so what is written to a column before the
// first reopen is found in that column, and only there, after it.
TEST_F(StoreTest, ANewStoresColumnsKeepTheirValuesAcrossTheFirstReopen) {
  for (Column c : kAllColumns) ASSERT_OK(Put(c, "k", ColumnName(c)));
  ASSERT_OK(Add("a-counter", 7));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  for (Column c : kAllColumns) EXPECT_EQ(ValueOf(c, "k"), ColumnName(c));
  EXPECT_EQ(CounterOf("a-counter"), 7);
}

// A crash while a new store created its columns leaves a directory with
// only some of them: the next open creates the rest, and keeps what the
// columns already there hold.
TEST(StoreCreationTest, AStoreWithSomeColumnsMissingGetsThemOnOpen) {
  TempDir dir;
  const std::string db_dir = dir.path() + "/db";
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, db_dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(),
                                       ColumnName(Column::kMessages), &handle)
                    .ok());
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->Put(sync, handle, "kept", "before the crash").ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto opened = Store::Open(db_dir);
  ASSERT_OK(opened);
  std::unique_ptr<Store> store = std::move(opened).value();
  auto kept = store->Get(Column::kMessages, "kept");
  ASSERT_OK(kept);
  EXPECT_EQ(*kept, "before the crash");
  for (Column c : kAllColumns) {
    WriteBatch batch;
    batch.Put(c, "k", ColumnName(c));
    ASSERT_OK(store->Write(&batch));
  }
  store.reset();
  opened = Store::Open(db_dir);
  ASSERT_OK(opened);
  store = std::move(opened).value();
  for (Column c : kAllColumns) {
    auto value = store->Get(c, "k");
    ASSERT_OK(value);
    EXPECT_EQ(*value, ColumnName(c));
  }
}

TEST_F(StoreTest, AnEmptyValueIsStoredNotAbsent) {
  ASSERT_OK(Put(Column::kExpiryIndex, "epoch-and-id", ""));
  auto value = store().Get(Column::kExpiryIndex, "epoch-and-id");
  ASSERT_OK(value);
  EXPECT_EQ(*value, "");
}

TEST_F(StoreTest, AColumnSeesNothingWrittenToAnother) {
  for (Column written : kAllColumns) {
    SCOPED_TRACE(ColumnName(written));
    const std::string key = std::string("only-in-") + ColumnName(written);
    ASSERT_OK(Put(written, key, "v"));
    for (Column other : kAllColumns) {
      if (other == written) continue;
      EXPECT_EQ(ValueOf(other, key), "<absent>") << "visible in " << ColumnName(other);
      EXPECT_TRUE(ScanAll(other, key).empty()) << "scanned in " << ColumnName(other);
    }
  }
  // Deleting a key in one family leaves the same key in the others.
  for (Column c : kAllColumns) ASSERT_OK(Put(c, "shared", ColumnName(c)));
  ASSERT_OK(Delete(Column::kMessages, "shared"));
  for (Column c : kAllColumns) {
    EXPECT_EQ(ValueOf(c, "shared"), c == Column::kMessages ? "<absent>" : ColumnName(c));
  }
}

TEST_F(StoreTest, GetOfAMissingKeyIsNotFound) {
  auto missing = store().Get(Column::kTranscripts, "never-written");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  ASSERT_OK(Put(Column::kTranscripts, "was-written", "x"));
  ASSERT_OK(Delete(Column::kTranscripts, "was-written"));
  EXPECT_EQ(store().Get(Column::kTranscripts, "was-written").status().code(),
            Status::Code::kNotFound);
}

TEST_F(StoreTest, PutOverwrites) {
  ASSERT_OK(Put(Column::kWrappedKeys, "id", "epoch-1 wrap"));
  ASSERT_OK(Put(Column::kWrappedKeys, "id", "epoch-2 wrap"));
  EXPECT_EQ(ValueOf(Column::kWrappedKeys, "id"), "epoch-2 wrap");
}

TEST_F(StoreTest, ABatchCountsItsOperations) {
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0u);
  batch.Put(Column::kMessages, "a", "1");
  batch.Delete(Column::kMessages, "b");
  batch.DeleteRange(Column::kMessages, "c", "d");
  batch.AddToCounter("n", 1);
  EXPECT_EQ(batch.Count(), 4u);
  ASSERT_OK(store().Write(&batch));
  EXPECT_EQ(batch.Count(), 4u);
}

TEST_F(StoreTest, ABatchAppliesItsOperationsInOrder) {
  ASSERT_OK(Put(Column::kHolds, "deleted-then-put", "old"));
  WriteBatch batch;
  batch.Put(Column::kHolds, "put-then-deleted", "gone");
  batch.Delete(Column::kHolds, "put-then-deleted");
  batch.Delete(Column::kHolds, "deleted-then-put");
  batch.Put(Column::kHolds, "deleted-then-put", "new");
  batch.Put(Column::kHolds, "put-twice", "first");
  batch.Put(Column::kHolds, "put-twice", "second");
  ASSERT_OK(store().Write(&batch));
  EXPECT_EQ(ValueOf(Column::kHolds, "put-then-deleted"), "<absent>");
  EXPECT_EQ(ValueOf(Column::kHolds, "deleted-then-put"), "new");
  EXPECT_EQ(ValueOf(Column::kHolds, "put-twice"), "second");
}

// The shape of a transcript open: records in three families, an index entry
// and a counter, in one batch.
void FillOpenBatch(WriteBatch* batch) {
  batch->Put(Column::kTranscripts, "T1-state", "sealed state");
  batch->Put(Column::kMessages, "T1-seq0", "sealed message");
  batch->Put(Column::kWrappedKeys, "T1", "wrapped dek");
  batch->Put(Column::kExpiryIndex, "E1-T1", "");
  batch->Delete(Column::kHolds, "tT1");
  batch->AddToCounter("open", 1);
}

TEST_F(StoreTest, ABatchThatFailsWritesNothingAndIsCounted) {
  ASSERT_OK(Put(Column::kHolds, "tT1", "existing hold"));
  store().InjectFaultsForTesting(Store::Op::kWrite, 1);
  WriteBatch batch;
  FillOpenBatch(&batch);
  const Status failed = store().Write(&batch);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), Status::Code::kIOError) << failed.ToString();
  EXPECT_EQ(failed.reason(), "injected_fault");
  EXPECT_EQ(store().GetStats().failed_writes, 1u);

  // The values of the keys the batch writes or deletes, and its counter.
  auto expect_keys = [&](std::string_view state, std::string_view message, std::string_view dek,
                         std::string_view index, std::string_view hold, int64_t open) {
    EXPECT_EQ(ValueOf(Column::kTranscripts, "T1-state"), state);
    EXPECT_EQ(ValueOf(Column::kMessages, "T1-seq0"), message);
    EXPECT_EQ(ValueOf(Column::kWrappedKeys, "T1"), dek);
    EXPECT_EQ(ValueOf(Column::kExpiryIndex, "E1-T1"), index);
    EXPECT_EQ(ValueOf(Column::kHolds, "tT1"), hold);
    EXPECT_EQ(CounterOf("open"), open);
  };
  expect_keys("<absent>", "<absent>", "<absent>", "<absent>", "existing hold", 0);
  // Not after a reopen either: nothing reached the write-ahead log.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ValueOf(Column::kTranscripts, "T1-state"), "<absent>");
  EXPECT_EQ(CounterOf("open"), 0);

  // The fault was used up: the same batch object now commits in full.
  ASSERT_OK(store().Write(&batch));
  expect_keys("sealed state", "sealed message", "wrapped dek", "", "<absent>", 1);
  EXPECT_EQ(store().GetStats().failed_writes, 0u) << "counts restart with the Store";
}

// Regression: RocksDB accepts an inverted range into a batch, writes the
// batch to the WAL and fails in the memtable insert ("end key comes before
// start key"), leaving the operations before the range applied and the
// database refusing every later write until reopened. Store::Write refuses
// such a batch before writing anything.
TEST_F(StoreTest, ABatchWithAnInvertedRangeIsAllOrNothingAndLeavesTheStoreWritable) {
  WriteBatch batch;
  batch.Put(Column::kMessages, "before-the-range", "v");
  batch.DeleteRange(Column::kMessages, "z", "a");
  batch.AddToCounter("after-the-range", 1);
  const Status written = store().Write(&batch);
  EXPECT_EQ(written.code(), Status::Code::kInvalidArgument) << written.ToString();
  EXPECT_EQ(written.reason(), "inverted_range");
  const bool applied = written.ok();
  EXPECT_EQ(ValueOf(Column::kMessages, "before-the-range"), applied ? "v" : "<absent>")
      << written.ToString();
  EXPECT_EQ(CounterOf("after-the-range"), applied ? 1 : 0) << written.ToString();
  EXPECT_OK(Put(Column::kMessages, "next write", "v"));
  EXPECT_OK(store().FlushAndCompact());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ValueOf(Column::kMessages, "before-the-range"), applied ? "v" : "<absent>");
}

TEST_F(StoreTest, InjectedWriteFaultsFailExactlyTheNextCountWrites) {
  store().InjectFaultsForTesting(Store::Op::kWrite, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Put(Column::kMessages, "k" + std::to_string(i), "v").reason(), "injected_fault")
        << "write " << i;
  }
  ASSERT_OK(Put(Column::kMessages, "k3", "v"));
  EXPECT_EQ(ScanAll(Column::kMessages), (KeyValues{{"k3", "v"}}));
  EXPECT_EQ(store().GetStats().failed_writes, 3u);
  // A fault for another operation does not touch writes.
  store().InjectFaultsForTesting(Store::Op::kCompact, 1);
  EXPECT_OK(Put(Column::kMessages, "k4", "v"));
  // Setting the count replaces what was left.
  store().InjectFaultsForTesting(Store::Op::kWrite, 5);
  store().InjectFaultsForTesting(Store::Op::kWrite, 0);
  EXPECT_OK(Put(Column::kMessages, "k5", "v"));
  EXPECT_EQ(store().GetStats().failed_writes, 3u);
}

TEST_F(StoreTest, SyncedWritesSurviveCloseAndReopen) {
  for (Column c : kAllColumns) {
    ASSERT_OK(Put(c, kBinaryKey, kBinaryValue + ColumnName(c)));
    ASSERT_OK(Put(c, "deleted", "x"));
  }
  WriteBatch batch;
  for (Column c : kAllColumns) batch.Delete(c, "deleted");
  ASSERT_OK(store().Write(&batch, /*sync=*/true));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  for (Column c : kAllColumns) {
    EXPECT_EQ(ValueOf(c, kBinaryKey), kBinaryValue + ColumnName(c));
    EXPECT_EQ(ValueOf(c, "deleted"), "<absent>");
  }
  // And again after a second reopen with more writes in between.
  ASSERT_OK(Put(Column::kTranscripts, "second", "round"));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ValueOf(Column::kTranscripts, "second"), "round");
  EXPECT_EQ(ValueOf(Column::kMessages, kBinaryKey), kBinaryValue + "messages");
}

}  // namespace
}  // namespace vault::testing
