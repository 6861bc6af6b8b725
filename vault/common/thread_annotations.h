// Thread-safety annotations: locking rules stated to the compiler.
//
// With clang and -Wthread-safety these expand to its capability attributes,
// and a member read or written without its mutex, or a function called
// without the lock it REQUIRES, is a compile error (.ci/run builds the
// libraries that way). With other compilers they expand to nothing.
//
// Use vault::Mutex and vault::MutexLock rather than std::mutex and
// std::lock_guard where a member is GUARDED_BY the mutex: the standard
// library's types carry no annotations in libstdc++.
// (After leveldb's port/thread_annotations.h and clang's documentation.)
#ifndef VAULT_COMMON_THREAD_ANNOTATIONS_H_
#define VAULT_COMMON_THREAD_ANNOTATIONS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define VAULT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define VAULT_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) VAULT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY VAULT_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) VAULT_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) VAULT_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) VAULT_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) VAULT_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) VAULT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) VAULT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) VAULT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) VAULT_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) VAULT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) VAULT_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS VAULT_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace vault {

// A std::mutex the analysis knows about. Non-copyable.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // For std::unique_lock and std::lock_guard.
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;  // waits on mu_ itself
  std::mutex mu_;
};

// Holds `mu` for its scope (RAII).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable for vault::Mutex. Wait() must be called with `mu`
// held; it is held again when Wait returns. A std::condition_variable on
// the mutex's own std::mutex: a wait is one futex wait, without the second,
// internal mutex that std::condition_variable_any takes for every wait and
// every notification.
class CondVar {
 public:
  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> held(mu->mu_, std::adopt_lock);
    cv_.wait(held);
    held.release();  // still held, by the caller
  }
  // Waits at most `timeout`; spurious wake-ups are possible, so callers
  // re-check their condition.
  template <class Rep, class Period>
  void WaitFor(Mutex* mu, const std::chrono::duration<Rep, Period>& timeout) REQUIRES(mu) {
    std::unique_lock<std::mutex> held(mu->mu_, std::adopt_lock);
    cv_.wait_for(held, timeout);
    held.release();
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace vault

#endif  // VAULT_COMMON_THREAD_ANNOTATIONS_H_
