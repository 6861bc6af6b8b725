#include "vault/storage/disk_space.h"

#include <sys/statvfs.h>

#include <utility>

#include "vault/common/monotonic.h"

namespace vault {

DiskSpace::DiskSpace(std::string dir, std::chrono::milliseconds refresh)
    : dir_(std::move(dir)), refresh_(refresh) {
  valid_until_.store(MonotonicNanos() + refresh_.count());
  Measure();
}

uint64_t DiskSpace::AvailableBytes() {
  const int64_t now = MonotonicNanos();
  int64_t until = valid_until_.load(std::memory_order_acquire);
  // Whoever moves valid_until_ forward measures; everyone else reuses the
  // last value meanwhile.
  while (now >= until) {
    if (valid_until_.compare_exchange_weak(until, now + refresh_.count(),
                                           std::memory_order_acq_rel)) {
      Measure();
      break;
    }
  }
  return available_.load(std::memory_order_acquire);
}

void DiskSpace::Measure() {
  struct statvfs st {};
  if (statvfs(dir_.c_str(), &st) != 0) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    available_.store(kUnknown, std::memory_order_release);
    return;
  }
  available_.store(static_cast<uint64_t>(st.f_bavail) * st.f_frsize, std::memory_order_release);
}

}  // namespace vault
