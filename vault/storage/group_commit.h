// GroupCommitter: one thread that makes queued write batches durable
// together (docs/design.md, section 7.3).
//
// Submit() queues a batch and returns at once; the committer thread takes
// everything queued, writes it to the Store as one synced write
// (Store::WriteAll: one WAL sync, all or nothing) and then calls each
// batch's `done` with the outcome, in the order they were submitted. While
// it waits for the disk, new batches queue for the next group, so one sync
// is paid per group, and the thread that submitted never waits.
//
// A batch may name an `abandoned` flag: if the flag is set when its group
// is formed (an earlier batch it was staged on top of failed), the batch is
// not written and its `done` gets Unavailable "earlier_write_failed".
//
// Thread safety: Submit may be called from any thread. `done` runs on the
// committer's thread and must return promptly: it must not wait for
// anything that waits for this thread (e.g. a StripeMutex whose pending
// writes are in a later group). An exception from `done` is caught and
// dropped. The destructor writes what is still queued, then stops.
#ifndef VAULT_STORAGE_GROUP_COMMIT_H_
#define VAULT_STORAGE_GROUP_COMMIT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "vault/common/histogram.h"
#include "vault/common/thread_annotations.h"
#include "vault/status.h"
#include "vault/storage/store.h"

namespace vault {

class GroupCommitter {
 public:
  using Done = std::function<void(const Status&)>;

  explicit GroupCommitter(Store* store);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `batch`. `abandoned`, if not null, must stay valid until `done`
  // has run (e.g. point into an object `done` keeps alive).
  void Submit(std::unique_ptr<WriteBatch> batch, Done done,
              const std::atomic<bool>* abandoned = nullptr) EXCLUDES(mu_);

  // Groups written and batches in them, since construction (for tests and
  // benchmarks: how many syncs the queued batches shared). A group whose
  // batches were all skipped is not written, and not counted.
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  // For each batch written (or in a group whose write failed; not one
  // skipped), the time from its Submit to its group's write returning,
  // recorded before its `done` runs: the wait for the group in flight and
  // its own group's synced write. Counts what batches() counts.
  HistogramSnapshot commit_latency() const { return commit_latency_.Snapshot(); }

  // Test seam: `hook` runs on the committer's thread after it has taken a
  // group and before it writes it (a test holds a group there to queue the
  // next one behind it).
  void SetBeforeWriteForTesting(std::function<void()> hook) EXCLUDES(mu_);

 private:
  struct Item {
    std::unique_ptr<WriteBatch> batch;
    Done done;
    const std::atomic<bool>* abandoned;
    std::chrono::steady_clock::time_point submitted;
  };
  void Run() EXCLUDES(mu_);

  Store* const store_;
  Mutex mu_;
  CondVar queued_;
  std::vector<Item> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  bool waiting_ GUARDED_BY(mu_) = false;  // the thread is asleep on queued_
  std::function<void()> before_write_ GUARDED_BY(mu_);
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> batches_{0};
  LatencyHistogram commit_latency_;
  std::thread thread_;  // last: started once the rest is constructed
};

}  // namespace vault

#endif  // VAULT_STORAGE_GROUP_COMMIT_H_
