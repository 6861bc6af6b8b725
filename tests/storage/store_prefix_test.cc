// Store: the visitor index's prefix Bloom filter (docs/formats/
// rocksdb-schema.md). ScanPrefixes finds exactly the entries under each
// 24-byte epoch | tag prefix, from the memtable and from SST files, and a
// store whose visitor_index files were written before the column had a
// prefix extractor (plain RocksDB options, as stores made before it) opens
// and is searched correctly, before and after its files are rewritten.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/storage/store_fixture.h"
#include "vault/storage/schema.h"

namespace vault::testing {
namespace {

using Found = std::map<size_t, std::vector<std::string>>;  // prefix index -> ids

std::string Tag(char c, char last = 0) {
  std::string tag(kVisitorTagBytes, c);
  tag.back() = last;
  return tag;
}
std::string Id(char c) { return std::string(kIdBytes, c); }

Found Search(const Store& store, const std::vector<std::string>& prefixes) {
  Found found;
  Status s = store.ScanPrefixes(Column::kVisitorIndex, prefixes,
                                [&](size_t i, std::string_view key, std::string_view) {
                                  EXPECT_EQ(key.substr(0, kVisitorIndexPrefixBytes), prefixes[i]);
                                  found[i].emplace_back(key.substr(kVisitorIndexPrefixBytes));
                                  return true;
                                });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return found;
}

// Entries: epoch 5 tag a0 (ids 1, 2), epoch 5 tag a1 (id 3), epoch 6 tag a0
// (id 4), epoch 9 tag b0 (id 5). The prefixes asked: each of those, their
// neighbours that hold nothing, and many absent epochs.
void WriteEntries(WriteBatch* batch, uint64_t epoch_offset = 0) {
  const uint64_t e = epoch_offset;
  batch->Put(Column::kVisitorIndex, VisitorIndexKey(e + 5, Tag('a'), Id('1')), "s");
  batch->Put(Column::kVisitorIndex, VisitorIndexKey(e + 5, Tag('a'), Id('2')), "s");
  batch->Put(Column::kVisitorIndex, VisitorIndexKey(e + 5, Tag('a', 1), Id('3')), "s");
  batch->Put(Column::kVisitorIndex, VisitorIndexKey(e + 6, Tag('a'), Id('4')), "s");
  batch->Put(Column::kVisitorIndex, VisitorIndexKey(e + 9, Tag('b'), Id('5')), "s");
}

std::vector<std::string> Prefixes(uint64_t epoch_offset = 0) {
  const uint64_t e = epoch_offset;
  std::vector<std::string> p = {
      VisitorIndexPrefix(e + 5, Tag('a')),     // 0: ids 1, 2
      VisitorIndexPrefix(e + 5, Tag('a', 1)),  // 1: id 3
      VisitorIndexPrefix(e + 5, Tag('a', 2)),  // 2: nothing
      VisitorIndexPrefix(e + 6, Tag('a')),     // 3: id 4
      VisitorIndexPrefix(e + 7, Tag('a')),     // 4: nothing
      VisitorIndexPrefix(e + 9, Tag('b')),     // 5: id 5
      VisitorIndexPrefix(e + 9, Tag('a')),     // 6: nothing
  };
  for (uint64_t absent = 100; absent < 400; ++absent) {
    p.push_back(VisitorIndexPrefix(e + absent, Tag('a')));
  }
  return p;
}

const Found kExpected = {{0, {Id('1'), Id('2')}}, {1, {Id('3')}}, {3, {Id('4')}}, {5, {Id('5')}}};

TEST_F(StoreTest, VisitorPrefixesFindExactlyTheirEntriesInMemtableAndFiles) {
  WriteBatch batch;
  WriteEntries(&batch);
  ASSERT_OK(store().Write(&batch));
  EXPECT_EQ(Search(store(), Prefixes()), kExpected);  // memtable
  ASSERT_OK(store().FlushAndCompact());
  EXPECT_EQ(Search(store(), Prefixes()), kExpected);  // SST files, with filters
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(Search(store(), Prefixes()), kExpected);
  // A plain scan of the column still sees every entry in order.
  std::vector<std::string> all;
  ASSERT_OK(store().Scan(Column::kVisitorIndex, "", [&](std::string_view k, std::string_view) {
    all.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(all.size(), 5u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

// A store written with plain column options (no prefix extractor, no
// filter), as before the filter: reopened by Store::Open, searched, written
// to, compacted, reopened again.
TEST(StorePrefixUpgradeTest, AStoreWrittenWithoutThePrefixExtractorOpensAndIsSearched) {
  TempDir dir;
  const std::string db_dir = dir.path() + "/db";
  {
    rocksdb::DBOptions db_opts;
    db_opts.create_if_missing = true;
    db_opts.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (Column c : kAllColumns) descs.emplace_back(ColumnName(c), rocksdb::ColumnFamilyOptions());
    descs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(db_opts, db_dir, descs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* index = handles[static_cast<int>(Column::kVisitorIndex)];
    for (const std::string& key : {VisitorIndexKey(5, Tag('a'), Id('1')),
                                   VisitorIndexKey(5, Tag('a'), Id('2')),
                                   VisitorIndexKey(5, Tag('a', 1), Id('3')),
                                   VisitorIndexKey(6, Tag('a'), Id('4')),
                                   VisitorIndexKey(9, Tag('b'), Id('5'))}) {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), index, key, "s").ok());
    }
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), index).ok());  // an SST with no filter
    // And one entry left in the WAL only.
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), index, VisitorIndexKey(9, Tag('b'), Id('6')), "s")
                    .ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  Found expected = kExpected;
  expected[5].push_back(Id('6'));
  {
    auto opened = Store::Open(db_dir);
    ASSERT_OK(opened);
    Store& store = **opened;
    EXPECT_EQ(Search(store, Prefixes()), expected);
    // New entries beside the old files (memtable, then a new SST).
    WriteBatch batch;
    WriteEntries(&batch, 1000);
    ASSERT_OK(store.Write(&batch));
    EXPECT_EQ(Search(store, Prefixes()), expected);
    EXPECT_EQ(Search(store, Prefixes(1000)), kExpected);
  }
  {
    auto opened = Store::Open(db_dir);  // the OPTIONS file now names the extractor
    ASSERT_OK(opened);
    Store& store = **opened;
    EXPECT_EQ(Search(store, Prefixes()), expected);
    EXPECT_EQ(Search(store, Prefixes(1000)), kExpected);
    ASSERT_OK(store.FlushAndCompact());  // old entries rewritten with filters
    EXPECT_EQ(Search(store, Prefixes()), expected);
    EXPECT_EQ(Search(store, Prefixes(1000)), kExpected);
  }
}

}  // namespace
}  // namespace vault::testing
