// The monotonic clock, for intervals, rate limits and cache lifetimes inside
// the vault: never a timestamp (it does not follow the wall clock), and not a
// seam tests move (vault/clock.h is).
// Thread safety: a pure function of the clock.
#ifndef VAULT_COMMON_MONOTONIC_H_
#define VAULT_COMMON_MONOTONIC_H_

#include <time.h>

#include <cstdint>

namespace vault {

// CLOCK_MONOTONIC, in nanoseconds.
inline int64_t MonotonicNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace vault

#endif  // VAULT_COMMON_MONOTONIC_H_
