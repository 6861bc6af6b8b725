// Store: Scan by prefix, ScanRange over [begin, end) and DeleteRange, on a
// real RocksDB directory, with keys laid out as the schema lays them out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace vault::testing {
namespace {

using Keys = std::vector<std::string>;
using namespace std::string_literals;

// id(16) seq(8, big-endian), as in the messages family.
std::string MessageKey(char id, uint64_t seq) {
  std::string key(16, id);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

class StoreScanTest : public StoreTest {
 protected:
  // Messages of transcripts 'a' and 'c' (seqs 0, 1, 255, 256, 2^40), and of
  // 'b' (seq 7), written in scrambled order.
  void WriteMessages() {
    WriteBatch batch;
    for (char id : {'c', 'a'}) {
      for (uint64_t seq : {uint64_t{256}, uint64_t{1} << 40, uint64_t{0}, uint64_t{255},
                           uint64_t{1}}) {
        batch.Put(Column::kMessages, MessageKey(id, seq), std::string(1, id) + std::to_string(seq));
      }
    }
    batch.Put(Column::kMessages, MessageKey('b', 7), "b7");
    ASSERT_OK(store().Write(&batch));
  }
  static Keys SeqKeys(char id) {
    return {MessageKey(id, 0), MessageKey(id, 1), MessageKey(id, 255), MessageKey(id, 256),
            MessageKey(id, uint64_t{1} << 40)};
  }
  void WriteLetters(Column c, const Keys& keys) {
    WriteBatch batch;
    for (const std::string& k : keys) batch.Put(c, k, "v:" + k);
    ASSERT_OK(store().Write(&batch));
  }
};

TEST_F(StoreScanTest, ScanVisitsExactlyThePrefixInKeyOrder) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  const std::string prefix(16, 'a');
  const KeyValues seen = ScanAll(Column::kMessages, prefix);
  EXPECT_EQ(KeysOf(seen), SeqKeys('a'));  // seq order, as big-endian keys sort
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].second, "a0");
  EXPECT_EQ(seen[4].second, "a" + std::to_string(uint64_t{1} << 40));
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages, std::string(16, 'b'))), Keys{MessageKey('b', 7)});
  EXPECT_TRUE(ScanAll(Column::kMessages, std::string(16, 'd')).empty());
  EXPECT_TRUE(ScanAll(Column::kTranscripts, prefix).empty());
}

TEST_F(StoreScanTest, ScanWithAnEmptyPrefixVisitsTheWholeColumn) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  Keys expected = SeqKeys('a');
  expected.push_back(MessageKey('b', 7));
  for (const std::string& k : SeqKeys('c')) expected.push_back(k);
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages)), expected);
}

TEST_F(StoreScanTest, ScanPrefixIsBytewiseNotAWordMatch) {
  ASSERT_NO_FATAL_FAILURE(
      WriteLetters(Column::kHolds, {"c", "cA", "cA\0"s, "cAB", "cB", "c\xff", "d", "b\xff"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "cA")), (Keys{"cA", "cA\0"s, "cAB"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c")),
            (Keys{"c", "cA", "cA\0"s, "cAB", "cB", "c\xff"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c\xff")), Keys{"c\xff"});
}

// Scan bounds its iterator by the least key past the prefix: the prefix
// without its trailing 0xff bytes, its last byte then one higher. Prefixes
// that end in 0xff, and those of nothing but 0xff (no such key), still
// visit exactly their keys.
TEST_F(StoreScanTest, ScanOfPrefixesEndingInFfVisitsExactlyTheirKeys) {
  const Keys keys = {
      "c\xfe\xff", "c\xff",   "c\xff\0"s, "c\xff\xff",    "c\xff\xff\x01",    "d",           "d\0"s,
      "\xff",      "\xff\0"s, "\xff\xff", "\xff\xff\xff", "\xff\xff\xff\x01", "\xfe\xff\xff"};
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kHolds, keys));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c\xff")),
            (Keys{"c\xff", "c\xff\0"s, "c\xff\xff", "c\xff\xff\x01"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c\xff\xff")), (Keys{"c\xff\xff", "c\xff\xff\x01"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c\xfe")), Keys{"c\xfe\xff"});
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "c")),
            (Keys{"c\xfe\xff", "c\xff", "c\xff\0"s, "c\xff\xff", "c\xff\xff\x01"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "\xff")),
            (Keys{"\xff", "\xff\0"s, "\xff\xff", "\xff\xff\xff", "\xff\xff\xff\x01"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "\xff\xff")),
            (Keys{"\xff\xff", "\xff\xff\xff", "\xff\xff\xff\x01"}));
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "\xfe")), Keys{"\xfe\xff\xff"});
  EXPECT_TRUE(ScanAll(Column::kHolds, "\xff\xff\xff\xff").empty());
  EXPECT_EQ(KeysOf(ScanAll(Column::kHolds, "d")), (Keys{"d", "d\0"s}));
}

TEST_F(StoreScanTest, ScanStopsWhenTheCallbackSaysSo) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  Keys visited;
  ASSERT_OK(store().Scan(Column::kMessages, std::string(16, 'a'),
                         [&](std::string_view k, std::string_view) {
                           visited.emplace_back(k);
                           return visited.size() < 2;
                         }));
  EXPECT_EQ(visited, (Keys{MessageKey('a', 0), MessageKey('a', 1)}));
  int calls = 0;
  ASSERT_OK(store().Scan(Column::kMessages, "", [&](std::string_view, std::string_view) {
    ++calls;
    return false;
  }));
  EXPECT_EQ(calls, 1);
}

TEST_F(StoreScanTest, ScanRangeIsHalfOpenAndOrdered) {
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kExpiryIndex, {"e", "a", "c", "b", "d", "b\0"s}));
  EXPECT_EQ(RangeKeys(Column::kExpiryIndex, "b", "d"), (Keys{"b", "b\0"s, "c"}));
  EXPECT_EQ(RangeKeys(Column::kExpiryIndex, "a", "z"), (Keys{"a", "b", "b\0"s, "c", "d", "e"}));
  // Bounds need not be keys that exist.
  EXPECT_EQ(RangeKeys(Column::kExpiryIndex, "bb", "dd"), (Keys{"c", "d"}));
  EXPECT_EQ(RangeKeys(Column::kExpiryIndex, "", "b"), Keys{"a"});
  // Empty and inverted ranges visit nothing.
  EXPECT_TRUE(RangeKeys(Column::kExpiryIndex, "c", "c").empty());
  EXPECT_TRUE(RangeKeys(Column::kExpiryIndex, "d", "b").empty());
  EXPECT_TRUE(RangeKeys(Column::kMessages, "a", "z").empty());
}

TEST_F(StoreScanTest, ScanRangeOverMessageKeysFollowsSeqOrder) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  // Transcript 'a' seqs [1, 256): 1 and 255.
  EXPECT_EQ(RangeKeys(Column::kMessages, MessageKey('a', 1), MessageKey('a', 256)),
            (Keys{MessageKey('a', 1), MessageKey('a', 255)}));
  // Across transcripts: from a's last message to b's first (exclusive).
  EXPECT_EQ(RangeKeys(Column::kMessages, MessageKey('a', uint64_t{1} << 40), MessageKey('b', 7)),
            Keys{MessageKey('a', uint64_t{1} << 40)});
}

TEST_F(StoreScanTest, ScanRangeStopsWhenTheCallbackSaysSo) {
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kExpiryIndex, {"a", "b", "c", "d"}));
  Keys visited;
  ASSERT_OK(store().ScanRange(Column::kExpiryIndex, "a", "e",
                              [&](std::string_view k, std::string_view v) {
                                EXPECT_EQ(v, "v:" + std::string(k));
                                visited.emplace_back(k);
                                return k != "b";
                              }));
  EXPECT_EQ(visited, (Keys{"a", "b"}));
}

TEST_F(StoreScanTest, DeleteRangeRemovesExactlyBeginToEnd) {
  const Keys keys = {"a", "b", "b\0"s, "bz", "c", "c\0"s, "d"};
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kExpiryIndex, keys));
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kMessages, keys));
  ASSERT_OK(DeleteRange(Column::kExpiryIndex, "b", "c\0"s));
  EXPECT_EQ(KeysOf(ScanAll(Column::kExpiryIndex)), (Keys{"a", "c\0"s, "d"}));
  EXPECT_EQ(ValueOf(Column::kExpiryIndex, "b"), "<absent>");
  EXPECT_EQ(ValueOf(Column::kExpiryIndex, "c"), "<absent>");
  EXPECT_EQ(ValueOf(Column::kExpiryIndex, "c\0"s), "v:c\0"s);
  // Other families keep the same keys.
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages)), keys);
  // An empty range [d, d) deletes nothing, not even d.
  ASSERT_OK(DeleteRange(Column::kExpiryIndex, "d", "d"));
  EXPECT_EQ(ValueOf(Column::kExpiryIndex, "d"), "v:d");
}

TEST_F(StoreScanTest, DeleteRangeOfOneTranscriptsMessagesLeavesItsNeighbours) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  // What a purge does: every seq of 'a', [id, id | 0xff).
  ASSERT_OK(DeleteRange(Column::kMessages, std::string(16, 'a'), std::string(16, 'a') + "\xff"));
  EXPECT_TRUE(ScanAll(Column::kMessages, std::string(16, 'a')).empty());
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages, std::string(16, 'b'))), Keys{MessageKey('b', 7)});
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages, std::string(16, 'c'))), SeqKeys('c'));
}

// The messages and transcripts columns insert with a hint per transcript id
// (store.cc, TranscriptHint), which RocksDB 7.8 shares between a memtable's
// point entries and its range deletions. A purge's range deletion begins
// with the bare id, outside the hints' domain. Here, in one memtable: appends
// to three transcripts, a purge of one of them between appends to the others,
// appends again, and a second purge; then a scan, and the same after a
// flush and a reopen. (With the hints' domain taking 16-byte keys, the first
// purge here aborts in RocksDB's skip list: "Assertion `before == head_ ||
// KeyIsAfterNode(key, before)' failed", Debian's librocksdb 7.8.3.)
TEST_F(StoreScanTest, PurgesBetweenAppendsInOneMemtableLeaveExactlyTheOthers) {
  auto id = [](char c) { return std::string(16, c); };
  auto append = [&](char c, uint64_t seq) {
    WriteBatch batch;
    batch.Put(Column::kMessages, MessageKey(c, seq), "m");
    batch.Put(Column::kTranscripts, id(c) + "\x02", "state " + std::to_string(seq));
    return store().Write(&batch);
  };
  auto purge = [&](char c) {
    WriteBatch batch;
    batch.DeleteRange(Column::kMessages, id(c), id(c) + "\xff");
    batch.Delete(Column::kTranscripts, id(c) + "\x02");
    return store().Write(&batch);
  };
  for (uint64_t seq = 0; seq < 50; ++seq) {
    for (char c : {'a', 'b', 'c'}) ASSERT_OK(append(c, seq));
  }
  ASSERT_OK(purge('b'));
  for (uint64_t seq = 50; seq < 100; ++seq) {
    for (char c : {'a', 'c'}) ASSERT_OK(append(c, seq));
  }
  ASSERT_OK(purge('a'));
  for (uint64_t seq = 100; seq < 120; ++seq) ASSERT_OK(append('c', seq));

  Keys expected;
  for (uint64_t seq = 0; seq < 120; ++seq) expected.push_back(MessageKey('c', seq));
  auto check = [&] {
    EXPECT_EQ(KeysOf(ScanAll(Column::kMessages)), expected);
    EXPECT_EQ(KeysOf(ScanAll(Column::kTranscripts)), Keys{id('c') + "\x02"});
    EXPECT_EQ(ValueOf(Column::kTranscripts, id('c') + "\x02"), "state 119");
    EXPECT_EQ(ValueOf(Column::kMessages, MessageKey('a', 10)), "<absent>");
    EXPECT_EQ(ValueOf(Column::kMessages, MessageKey('b', 49)), "<absent>");
  };
  check();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  check();
  ASSERT_OK(store().FlushAndCompact());
  check();
}

// A range deletion that begins inside the hints' domain would take a point
// entry's hint: refused before anything of its batch is written.
TEST_F(StoreScanTest, ARangeDeleteBeginningWithAHintedKeyIsRefused) {
  ASSERT_NO_FATAL_FAILURE(WriteMessages());
  for (const auto& [column, begin] :
       {std::pair{Column::kMessages, MessageKey('a', 0)},
        std::pair{Column::kMessages, MessageKey('a', 0) + "x"},
        std::pair{Column::kTranscripts, std::string(16, 'a') + "\x01"}}) {
    WriteBatch batch;
    batch.Put(Column::kHolds, "written with it", "v");
    batch.DeleteRange(column, begin, std::string(16, 'b'));
    const Status refused = store().Write(&batch);
    EXPECT_EQ(refused.code(), Status::Code::kInvalidArgument) << refused.ToString();
    EXPECT_EQ(refused.reason(), "hinted_range") << refused.ToString();
  }
  EXPECT_EQ(ValueOf(Column::kHolds, "written with it"), "<absent>");
  EXPECT_EQ(KeysOf(ScanAll(Column::kMessages, std::string(16, 'a'))), SeqKeys('a'));
  // Shorter beginnings, up to one byte under the domain, and other
  // columns, are range-deleted as before.
  ASSERT_OK(DeleteRange(Column::kMessages, MessageKey('a', 0).substr(0, 23), std::string(16, 'b')));
  EXPECT_TRUE(ScanAll(Column::kMessages, std::string(16, 'a')).empty());
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kTranscripts, {std::string(16, 'a') + "\x02"}));
  ASSERT_OK(DeleteRange(Column::kTranscripts, std::string(16, 'a'), std::string(16, 'b')));
  EXPECT_TRUE(ScanAll(Column::kTranscripts).empty());
  ASSERT_OK(DeleteRange(Column::kHolds, MessageKey('a', 0), MessageKey('b', 0)));
}

TEST_F(StoreScanTest, DeleteRangeAndLaterPutsAndReopen) {
  ASSERT_NO_FATAL_FAILURE(WriteLetters(Column::kHolds, {"a", "b", "c"}));
  WriteBatch batch;
  batch.DeleteRange(Column::kHolds, "a", "c");
  batch.Put(Column::kHolds, "b", "after the range delete");
  ASSERT_OK(store().Write(&batch));
  const KeyValues expected = {{"b", "after the range delete"}, {"c", "v:c"}};
  EXPECT_EQ(ScanAll(Column::kHolds), expected);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ScanAll(Column::kHolds), expected);
  ASSERT_OK(store().FlushAndCompact());
  EXPECT_EQ(ScanAll(Column::kHolds), expected);
}

}  // namespace
}  // namespace vault::testing
