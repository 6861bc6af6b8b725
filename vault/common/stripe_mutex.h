// StripeMutex: the lock of one stripe of transcripts (VaultImpl hashes a
// transcript's id to one of 256), which every path that reads or changes a
// transcript holds, with room for appends whose writes are still queued
// for a group commit (docs/design.md, section 7.3).
//
// An append's fast path takes the stripe with TryLockForAppend, stages its
// write from the stripe's cache of open transcripts, counts it pending
// (AddPending) and lets go of the stripe before the write is durable; the
// group committer calls DonePending once it is durable or has failed. Every
// other path takes the stripe with Lock(), which then waits until no write
// of the stripe is pending and runs the stripe's on-exclusive hook
// (VaultImpl: forget and wipe the stripe's cached keys and states). So that
// path reads the store as every append it could have seen left it, and
// whatever it changes is read afresh by the next append.
//
// The pending count has its own mutex: DonePending never waits for the
// stripe (whose holder may be waiting in Lock() for that very count), and
// a holder waiting in Lock() keeps the stripe, so no new append of the
// stripe can start and keep it waiting.
#ifndef VAULT_COMMON_STRIPE_MUTEX_H_
#define VAULT_COMMON_STRIPE_MUTEX_H_

#include <cstdint>
#include <functional>
#include <utility>

#include "vault/common/thread_annotations.h"

namespace vault {

class CAPABILITY("mutex") StripeMutex {
 public:
  StripeMutex() = default;
  StripeMutex(const StripeMutex&) = delete;
  StripeMutex& operator=(const StripeMutex&) = delete;

  // Set once, before the stripe is first locked: run by Lock() once the
  // stripe holds no pending write.
  void SetOnExclusive(std::function<void()> hook) { on_exclusive_ = std::move(hook); }

  // Exclusive: waits for the stripe, then until its pending writes are
  // done, then runs the on-exclusive hook.
  void Lock() ACQUIRE() NO_THREAD_SAFETY_ANALYSIS {
    mu_.Lock();
    {
      MutexLock pending(&pending_mu_);
      if (pending_ != 0) ++drain_waits_;
      while (pending_ != 0) drained_.Wait(&pending_mu_);
    }
    if (on_exclusive_) on_exclusive_();
  }
  // For an append's fast path: the stripe if it is free at once (the
  // caller must not wait on it: it runs on a thread serving connections),
  // without waiting for its pending writes.
  bool TryLockForAppend() TRY_ACQUIRE(true) NO_THREAD_SAFETY_ANALYSIS { return mu_.TryLock(); }
  void Unlock() RELEASE() NO_THREAD_SAFETY_ANALYSIS { mu_.Unlock(); }

  // One more write of the stripe queued (called holding the stripe).
  void AddPending() REQUIRES(this) {
    MutexLock pending(&pending_mu_);
    ++pending_;
  }
  // One queued write durable or failed (any thread; never waits for the
  // stripe).
  void DonePending() {
    MutexLock pending(&pending_mu_);
    if (--pending_ == 0) drained_.SignalAll();
  }
  // How many times Lock() found writes pending and waited for them.
  uint64_t drain_waits() {
    MutexLock pending(&pending_mu_);
    return drain_waits_;
  }

 private:
  Mutex mu_;
  Mutex pending_mu_;
  CondVar drained_;
  uint64_t pending_ GUARDED_BY(pending_mu_) = 0;
  uint64_t drain_waits_ GUARDED_BY(pending_mu_) = 0;
  std::function<void()> on_exclusive_;
};

// Holds a stripe exclusively for its scope (RAII).
class SCOPED_CAPABILITY StripeLock {
 public:
  explicit StripeLock(StripeMutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~StripeLock() RELEASE() { mu_->Unlock(); }
  StripeLock(const StripeLock&) = delete;
  StripeLock& operator=(const StripeLock&) = delete;

 private:
  StripeMutex* const mu_;
};

}  // namespace vault

#endif  // VAULT_COMMON_STRIPE_MUTEX_H_
