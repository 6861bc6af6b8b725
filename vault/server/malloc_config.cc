#include "vault/server/malloc_config.h"

#include <malloc.h>

#include <algorithm>
#include <limits>
#include <string>

#include "vault/common/monotonic.h"

namespace vault {

Status ApplyMallocSettings(const MallocSettings& settings) {
  Status status = Status::OK();
  if (settings.arenas > 0) {
    const int arenas =
        static_cast<int>(std::min<size_t>(settings.arenas, std::numeric_limits<int>::max()));
    if (mallopt(M_ARENA_MAX, arenas) != 1) {
      status = Status::InvalidArgument("malloc refused M_ARENA_MAX " + std::to_string(arenas));
    }
  }
  if (settings.mmap_threshold > 0) {
    const size_t threshold = std::min(settings.mmap_threshold, kMaxMmapThreshold);
    if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold)) != 1) {
      status =
          Status::InvalidArgument("malloc refused M_MMAP_THRESHOLD " + std::to_string(threshold));
    }
  }
  if (settings.trim_threshold > 0 && settings.mmap_threshold > 0) {
    const size_t threshold = std::min(settings.trim_threshold, kMaxTrimThreshold);
    if (mallopt(M_TRIM_THRESHOLD, static_cast<int>(threshold)) != 1) {
      status =
          Status::InvalidArgument("malloc refused M_TRIM_THRESHOLD " + std::to_string(threshold));
    }
  }
  return status;
}

bool MapsAlone(const MallocSettings& settings, size_t bytes) {
  if (settings.mmap_threshold == 0) return false;
  constexpr size_t kHeader = sizeof(size_t);
  constexpr size_t kAlign = 2 * sizeof(size_t);
  if (bytes > std::numeric_limits<size_t>::max() - kHeader - kAlign) return true;
  const size_t chunk = (bytes + kHeader + kAlign - 1) & ~(kAlign - 1);
  return chunk >= std::min(settings.mmap_threshold, kMaxMmapThreshold);
}

bool MemoryTrimmer::TakeTurn(size_t bytes) {
  if (min_bytes_ == 0 || bytes < min_bytes_) return false;
  const int64_t now = MonotonicNanos();
  int64_t last = last_ns_.load(std::memory_order_relaxed);
  const int64_t interval = std::chrono::nanoseconds(interval_).count();
  if (last != 0 && now - last < interval) return false;
  // One thread wins the interval; the others go on serving.
  if (!last_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed)) return false;
  turns_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ReleaseFreeMemory() { malloc_trim(0); }

}  // namespace vault
