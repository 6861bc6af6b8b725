#include "vault/common/histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace vault {
namespace {

TEST(HistogramTest, BucketBoundsAreInclusive) {
  EXPECT_EQ(LatencyBucketFor(0), 0u);
  EXPECT_EQ(LatencyBucketFor(100), 0u);
  EXPECT_EQ(LatencyBucketFor(101), 1u);
  EXPECT_EQ(LatencyBucketFor(10000000), kLatencyBucketsMicros.size() - 1);
  EXPECT_EQ(LatencyBucketFor(10000001), kLatencyBucketsMicros.size());
}

TEST(HistogramTest, SnapshotCountsAndSums) {
  LatencyHistogram h;
  h.Record(50);
  h.Record(300);
  h.Record(300);
  h.Record(20000000);
  h.Record(-5);  // clock went backwards: counted as 0
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.Count(), 5u);
  EXPECT_EQ(s.counts[0], 2u);
  EXPECT_EQ(s.counts[2], 2u);
  EXPECT_EQ(s.counts[kLatencyBuckets - 1], 1u);
  EXPECT_EQ(s.sum_micros, 50u + 600u + 20000000u);
}

TEST(HistogramTest, ConcurrentRecordsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.Record(t * 1000 + i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(h.Snapshot().Count(), 40000u);
}

}  // namespace
}  // namespace vault
