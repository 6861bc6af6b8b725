// Store counters: added to by merge inside batches, so concurrent batches
// lose no update, and as durable as the batch that changed them.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace vault::testing {
namespace {

TEST_F(StoreTest, ACounterNeverAddedToReadsZero) {
  EXPECT_EQ(CounterOf("never"), 0);
  ASSERT_OK(Add("neverland", 5));   // a longer name that starts with it
  ASSERT_OK(Add("neve", 6));        // a shorter one
  EXPECT_EQ(CounterOf("never"), 0);
  EXPECT_EQ(CounterOf(""), 0);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(CounterOf("never"), 0);
}

TEST_F(StoreTest, CountersAddPositiveAndNegativeDeltas) {
  ASSERT_OK(Add("open", 5));
  EXPECT_EQ(CounterOf("open"), 5);
  ASSERT_OK(Add("open", -8));
  EXPECT_EQ(CounterOf("open"), -3);
  ASSERT_OK(Add("open", 0));
  EXPECT_EQ(CounterOf("open"), -3);
  ASSERT_OK(Add("open", 3));
  EXPECT_EQ(CounterOf("open"), 0);

  ASSERT_OK(Add("big", std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(CounterOf("big"), std::numeric_limits<int64_t>::max());
  ASSERT_OK(Add("small", std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(CounterOf("small"), std::numeric_limits<int64_t>::min());
  ASSERT_OK(Add("small", 1));
  EXPECT_EQ(CounterOf("small"), std::numeric_limits<int64_t>::min() + 1);
}

TEST_F(StoreTest, SeveralAddsInOneBatchAllCount) {
  WriteBatch batch;
  batch.AddToCounter("open", 1);
  batch.AddToCounter("closed", 1);
  batch.AddToCounter("open", 1);
  batch.AddToCounter("open", -3);
  ASSERT_OK(store().Write(&batch));
  EXPECT_EQ(CounterOf("open"), -1);
  EXPECT_EQ(CounterOf("closed"), 1);
}

TEST_F(StoreTest, CountersAreNotKeysOfAnyColumn) {
  ASSERT_OK(Add("open", 7));
  for (Column c : kAllColumns) {
    EXPECT_TRUE(ScanAll(c).empty()) << ColumnName(c);
    EXPECT_EQ(ValueOf(c, "counter/open"), "<absent>") << ColumnName(c);
  }
  // And a column key that looks like a counter's does not change it.
  ASSERT_OK(Put(Column::kTranscripts, "counter/open", std::string(8, '\x01')));
  EXPECT_EQ(CounterOf("open"), 7);
}

TEST_F(StoreTest, ConcurrentBatchesLoseNoUpdate) {
  constexpr int kThreads = 6;
  constexpr int kBatchesPerThread = 60;
  std::vector<std::thread> threads;
  std::vector<Status> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kBatchesPerThread; ++i) {
        WriteBatch batch;
        batch.AddToCounter("ups", 1);
        batch.AddToCounter("downs", -2);
        batch.AddToCounter("thread-" + std::to_string(t), i);
        // A record in the same batch, as every real counter change has.
        batch.Put(Column::kTranscripts, "t" + std::to_string(t) + "-" + std::to_string(i), "s");
        const Status s = store().Write(&batch, /*sync=*/i % 2 == 0);
        if (!s.ok()) {
          failures[t] = s;
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Status& s : failures) ASSERT_OK(s);

  constexpr int64_t kTotal = int64_t{kThreads} * kBatchesPerThread;
  EXPECT_EQ(CounterOf("ups"), kTotal);
  EXPECT_EQ(CounterOf("downs"), -2 * kTotal);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(CounterOf("thread-" + std::to_string(t)),
              kBatchesPerThread * (kBatchesPerThread - 1) / 2);
  }
  EXPECT_EQ(ScanAll(Column::kTranscripts).size(), static_cast<size_t>(kTotal));
}

TEST_F(StoreTest, CountersAreDurableAcrossReopen) {
  ASSERT_OK(Add("closed", 41));
  ASSERT_OK(Add("open", -2));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(CounterOf("closed"), 41);
  EXPECT_EQ(CounterOf("open"), -2);
  // Adds after the reopen merge onto the recovered values.
  ASSERT_OK(Add("closed", 1));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(CounterOf("closed"), 42);
}

TEST_F(StoreTest, CountersSurviveFlushAndCompaction) {
  for (int i = 0; i < 10; ++i) ASSERT_OK(Add("merged", 3));
  ASSERT_OK(store().FlushAndCompact());
  EXPECT_EQ(CounterOf("merged"), 30);
  ASSERT_OK(Add("merged", -1));  // an operand on top of a compacted value
  EXPECT_EQ(CounterOf("merged"), 29);
  ASSERT_OK(store().FlushAndCompact());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(CounterOf("merged"), 29);
}

}  // namespace
}  // namespace vault::testing
