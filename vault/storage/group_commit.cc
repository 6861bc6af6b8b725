#include "vault/storage/group_commit.h"

#include <pthread.h>

#include <utility>

namespace vault {

GroupCommitter::GroupCommitter(Store* store) : store_(store), thread_([this] { Run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  queued_.Signal();
  thread_.join();
}

void GroupCommitter::Submit(std::unique_ptr<WriteBatch> batch, Done done,
                            const std::atomic<bool>* abandoned) {
  bool wake = false;
  {
    MutexLock lock(&mu_);
    queue_.push_back(
        Item{std::move(batch), std::move(done), abandoned, std::chrono::steady_clock::now()});
    // Only a sleeping thread needs the wake-up (a futex call); a busy one
    // takes the queue when its write returns.
    wake = waiting_;
    waiting_ = false;
  }
  if (wake) queued_.Signal();
}

void GroupCommitter::SetBeforeWriteForTesting(std::function<void()> hook) {
  MutexLock lock(&mu_);
  before_write_ = std::move(hook);
}

void GroupCommitter::Run() {
  pthread_setname_np(pthread_self(), "vault-commit");  // for top -H and perf
  std::vector<Item> group;
  std::vector<WriteBatch*> batches;
  std::vector<bool> skipped;
  std::function<void()> hook;
  for (;;) {
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) {
        waiting_ = true;
        queued_.Wait(&mu_);
      }
      waiting_ = false;
      if (queue_.empty()) return;  // stopping, and everything written
      group.swap(queue_);
      hook = before_write_;
    }
    if (hook) hook();
    batches.clear();
    skipped.assign(group.size(), false);
    for (size_t i = 0; i < group.size(); ++i) {
      const Item& item = group[i];
      skipped[i] = item.abandoned != nullptr && item.abandoned->load(std::memory_order_acquire);
      if (!skipped[i]) batches.push_back(item.batch.get());
    }
    Status written;
    try {
      written = store_->WriteAll(batches);
    } catch (const std::exception&) {  // allocation: fail the group, not the process
      written = Status::Internal("the group's write could not be built", "internal");
    }
    // A group of skipped batches only is not written (WriteAll of nothing).
    if (!batches.empty()) groups_.fetch_add(1, std::memory_order_relaxed);
    batches_.fetch_add(batches.size(), std::memory_order_relaxed);
    const auto written_at = std::chrono::steady_clock::now();
    for (size_t i = 0; i < group.size(); ++i) {
      if (skipped[i]) continue;
      commit_latency_.Record(
          std::chrono::duration_cast<std::chrono::microseconds>(written_at - group[i].submitted)
              .count());
    }
    for (size_t i = 0; i < group.size(); ++i) {
      Item& item = group[i];
      item.batch.reset();
      try {
        if (skipped[i]) {
          item.done(Status::Unavailable(
              "an earlier append to this transcript could not be written; retry this one",
              "earlier_write_failed"));
        } else {
          item.done(written);
        }
      } catch (const std::exception&) {
        // The answer is lost (its connection sees the server close); the
        // write's fate stands, and a retry by seq finds it.
      }
    }
    group.clear();
  }
}

}  // namespace vault
