// GroupCommitter (vault/storage/group_commit.h) over a real store: queued
// batches made durable together, answered in order, failures shared by the
// group and never written, abandoned batches skipped, the queue written at
// shutdown.
#include "vault/storage/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/store_fixture.h"
#include "vault/metrics.h"

namespace vault::testing {
namespace {

// Counts answers and waits for a number of them.
class Outcomes {
 public:
  GroupCommitter::Done Record(int tag) {
    return [this, tag](const Status& s) {
      std::lock_guard<std::mutex> lock(mu_);
      order_.push_back(tag);
      statuses_.push_back(s);
      cv_.notify_all();
    };
  }
  void WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return order_.size() >= n; });
  }
  std::vector<int> order() {
    std::lock_guard<std::mutex> lock(mu_);
    return order_;
  }
  std::vector<Status> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> order_;
  std::vector<Status> statuses_;
};

std::unique_ptr<WriteBatch> PutBatch(const std::string& key, const std::string& value) {
  auto batch = std::make_unique<WriteBatch>();
  batch->Put(Column::kMessages, key, value);
  batch->AddToCounter("queued", 1);
  return batch;
}

using GroupCommitTest = StoreTest;

TEST_F(GroupCommitTest, ConcurrentBatchesShareSyncsAndEachSubmitterIsAnsweredInOrder) {
  constexpr int kThreads = 8;
  constexpr int kEach = 300;
  Outcomes outcomes;
  GroupCommitter committer(&store());
  // The first group is held until every batch has been submitted, so the
  // rest must share syncs however fast the disk is.
  std::mutex mu;
  std::condition_variable cv;
  bool submitted = false;
  committer.SetBeforeWriteForTesting([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return submitted; });
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "k" + std::to_string(t) + "/" + std::to_string(i);
        committer.Submit(PutBatch(key, "v" + key), outcomes.Record(t * kEach + i));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // The first group stays held 20 ms more after the last Submit: not to
  // synchronise anything, but so that every batch, in the held group or
  // queued behind it, has waited at least that long from its Submit.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<std::mutex> lock(mu);
    submitted = true;
  }
  cv.notify_all();
  outcomes.WaitFor(kThreads * kEach);
  // Every batch's wait is counted once, from its Submit: none is in a
  // bucket of 10 ms or less (timed from when its group was taken, the
  // second group's would be its write alone).
  const HistogramSnapshot waited = committer.commit_latency();
  EXPECT_EQ(waited.Count(), static_cast<uint64_t>(kThreads * kEach));
  for (size_t i = 0; i < kLatencyBucketsMicros.size() && kLatencyBucketsMicros[i] <= 10000; ++i) {
    EXPECT_EQ(waited.counts[i], 0u) << "bucket up to " << kLatencyBucketsMicros[i] << " us";
  }
  for (const Status& s : outcomes.statuses()) EXPECT_TRUE(s.ok()) << s.ToString();
  // Each submitter's batches are answered in the order it queued them.
  std::vector<int> last(kThreads, -1);
  for (int tag : outcomes.order()) {
    EXPECT_GT(tag % kEach, last[tag / kEach]);
    last[tag / kEach] = tag % kEach;
  }
  EXPECT_EQ(committer.batches(), static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LE(committer.groups(), 2u);  // the held one, then all the rest
  // Every batch is in the store, whole (its put and its counter).
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; i += 37) {
      const std::string key = "k" + std::to_string(t) + "/" + std::to_string(i);
      EXPECT_EQ(ValueOf(Column::kMessages, key), "v" + key);
    }
  }
  EXPECT_EQ(CounterOf("queued"), kThreads * kEach);
  // And durable: they are there after a reopen.
  Reopen();
  EXPECT_EQ(CounterOf("queued"), kThreads * kEach);
}

TEST_F(GroupCommitTest, AFailedWriteFailsItsBatchesAndWritesNoneOfThem) {
  Outcomes outcomes;
  GroupCommitter committer(&store());
  store().InjectFaultsForTesting(Store::Op::kWrite, 1);
  committer.Submit(PutBatch("a", "1"), outcomes.Record(0));
  outcomes.WaitFor(1);
  committer.Submit(PutBatch("b", "2"), outcomes.Record(1));
  outcomes.WaitFor(2);
  const std::vector<Status> s = outcomes.statuses();
  EXPECT_EQ(s[0].reason(), "injected_fault");
  EXPECT_TRUE(s[1].ok()) << s[1].ToString();
  EXPECT_EQ(ValueOf(Column::kMessages, "a"), "<absent>");
  EXPECT_EQ(ValueOf(Column::kMessages, "b"), "2");
  EXPECT_EQ(CounterOf("queued"), 1);
  // The failed batch's wait is counted as the written one's is, as
  // batches() counts both.
  EXPECT_EQ(committer.commit_latency().Count(), 2u);
  EXPECT_EQ(committer.batches(), 2u);
}

TEST_F(GroupCommitTest, AGroupFailsAsAWhole) {
  Outcomes outcomes;
  GroupCommitter committer(&store());
  // Group 1 ("first") is held while three more queue; when it is released
  // it is written, and the next write, the group of three, fails.
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool release = false;
  committer.SetBeforeWriteForTesting([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (++calls == 1) {
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    } else if (calls == 2) {
      store().InjectFaultsForTesting(Store::Op::kWrite, 1);
    }
  });
  committer.Submit(PutBatch("first", "0"), outcomes.Record(0));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return calls == 1; });
  }
  for (int i = 1; i <= 3; ++i) {
    committer.Submit(PutBatch("k" + std::to_string(i), "v"), outcomes.Record(i));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  outcomes.WaitFor(4);
  const std::vector<Status> s = outcomes.statuses();
  EXPECT_TRUE(s[0].ok()) << s[0].ToString();
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(s[i].reason(), "injected_fault") << i;
  EXPECT_EQ(committer.groups(), 2u);
  EXPECT_EQ(ValueOf(Column::kMessages, "first"), "0");
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(ValueOf(Column::kMessages, "k" + std::to_string(i)), "<absent>");
  EXPECT_EQ(CounterOf("queued"), 1);
}

TEST_F(GroupCommitTest, AnAbandonedBatchIsAnsweredButNotWritten) {
  Outcomes outcomes;
  GroupCommitter committer(&store());
  std::atomic<bool> abandoned{true};
  std::atomic<bool> kept{false};
  committer.Submit(PutBatch("gone", "1"), outcomes.Record(0), &abandoned);
  committer.Submit(PutBatch("kept", "2"), outcomes.Record(1), &kept);
  outcomes.WaitFor(2);
  const std::vector<Status> s = outcomes.statuses();
  EXPECT_EQ(s[0].reason(), "earlier_write_failed");
  EXPECT_EQ(s[0].code(), Status::Code::kUnavailable);
  EXPECT_TRUE(s[1].ok());
  EXPECT_EQ(ValueOf(Column::kMessages, "gone"), "<absent>");
  EXPECT_EQ(ValueOf(Column::kMessages, "kept"), "2");
  EXPECT_EQ(CounterOf("queued"), 1);
  EXPECT_EQ(committer.commit_latency().Count(), 1u);  // the batch written, not the skipped one
}

TEST_F(GroupCommitTest, AGroupOfSkippedBatchesOnlyIsNeitherWrittenNorCounted) {
  Outcomes outcomes;
  GroupCommitter committer(&store());
  std::atomic<bool> abandoned{true};
  committer.Submit(PutBatch("gone", "1"), outcomes.Record(0), &abandoned);
  outcomes.WaitFor(1);
  EXPECT_EQ(outcomes.statuses()[0].reason(), "earlier_write_failed");
  EXPECT_EQ(committer.groups(), 0u);
  EXPECT_EQ(committer.batches(), 0u);
  EXPECT_EQ(committer.commit_latency().Count(), 0u);
  EXPECT_EQ(ValueOf(Column::kMessages, "gone"), "<absent>");
  // The next batch is written, as a group of its own.
  committer.Submit(PutBatch("kept", "2"), outcomes.Record(1));
  outcomes.WaitFor(2);
  EXPECT_EQ(committer.groups(), 1u);
  EXPECT_EQ(committer.batches(), 1u);
}

TEST_F(GroupCommitTest, StoppingWritesAndAnswersEverythingQueued) {
  Outcomes outcomes;
  {
    GroupCommitter committer(&store());
    for (int i = 0; i < 500; ++i) {
      committer.Submit(PutBatch("s" + std::to_string(i), "v"), outcomes.Record(i));
    }
  }  // destroyed at once, with most of the queue unwritten
  const std::vector<Status> s = outcomes.statuses();
  ASSERT_EQ(s.size(), 500u);
  for (const Status& status : s) EXPECT_TRUE(status.ok());
  EXPECT_EQ(CounterOf("queued"), 500);
}

}  // namespace
}  // namespace vault::testing
