// Clock: the one seam through which Transcript Vault reads the time.
//
// All retention and epoch decisions use a Clock, so tests can move time
// deterministically (ManualClock) while production uses the system clock.
// Times are Unix milliseconds (UTC, leap seconds smeared by the OS).
//
// Thread safety: every Clock implementation here is safe for concurrent use.
#ifndef VAULT_CLOCK_H_
#define VAULT_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace vault {

using UnixMillis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMillis() const = 0;
};

// Wall-clock time from the operating system (CLOCK_REALTIME).
class SystemClock final : public Clock {
 public:
  UnixMillis NowMillis() const override;
  // A process-wide instance; never destroyed.
  static SystemClock* Default();
};

// A clock that only moves when told to. Starts at `start`.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMillis start) : now_(start) {}
  UnixMillis NowMillis() const override { return now_.load(std::memory_order_acquire); }
  void Set(UnixMillis t) { now_.store(t, std::memory_order_release); }
  void Advance(int64_t millis) { now_.fetch_add(millis, std::memory_order_acq_rel); }

 private:
  std::atomic<UnixMillis> now_;
};

}  // namespace vault

#endif  // VAULT_CLOCK_H_
