#include "vault/server/malloc_config.h"

#include <malloc.h>

#include <algorithm>
#include <limits>
#include <string>

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
  return status;
}

}  // namespace vault
