// Process-wide settings of glibc's allocator, for a daemon whose requests
// allocate and free buffers of megabytes on many threads (issue 13, item 4;
// docs/performance.md, section 8).
//
// Left to its defaults, glibc (a) gives up to 8 arenas per core to the
// threads that allocate at once, each keeping the free memory of its own
// peak, and (b) raises its mmap threshold to the size of each large block
// freed (up to 32 MiB), so that after the first 1.5 MB response every later
// one comes from an arena, whose free space in the middle of a heap is never
// given back to the kernel. A vaultd serving large reads on 32 workers grew
// from 18 MiB to hundreds that way.
//
// ApplyMallocSettings fixes both: at most `arenas` arenas, and a fixed mmap
// threshold, so every block of at least that size is its own mapping and is
// returned to the kernel when freed. Call it once, before any thread starts:
// M_ARENA_MAX does not reduce arenas that already exist.
//
// A fixed mmap threshold also fixes glibc's trim threshold, which would
// otherwise follow it at twice its value: left at 128 KiB, the free space at
// the top of an arena went back to the kernel (brk, or madvise in a thread's
// arena) whenever it passed 128 KiB, and the next reply of 100 KiB took it
// back page by page, with a TLB shoot-down on the other core each time
// (docs/performance.md, section 10.18). `trim_threshold` lets that much free
// space build up at each arena's top; the MemoryTrimmer below still gives
// everything back after large responses.
//
// Thread safety: none needed (single-threaded start-up). Failure: a setting
// that glibc refuses is reported, the others still apply.
#ifndef VAULT_SERVER_MALLOC_CONFIG_H_
#define VAULT_SERVER_MALLOC_CONFIG_H_

#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>

#include "vault/status.h"

namespace vault {

struct MallocSettings {
  // Most arenas glibc may create (M_ARENA_MAX). 0: glibc's default (8 per
  // core, or GLIBC_TUNABLES=glibc.malloc.arena_max).
  size_t arenas = 2;
  // Blocks of at least this many bytes are mapped on their own and unmapped
  // when freed (M_MMAP_THRESHOLD, which also stops glibc from moving it).
  // 0: glibc's sliding threshold. At most kMaxMmapThreshold.
  size_t mmap_threshold = 128 * 1024;
  // Free space that may build up at the top of an arena, for the next
  // allocations, before glibc gives it back to the kernel (M_TRIM_THRESHOLD;
  // a trim then keeps only glibc's top pad, 128 KiB). 0: glibc's default
  // (128 KiB once mmap_threshold is set). Not applied when mmap_threshold is
  // 0: setting it would stop glibc's sliding thresholds, which move both.
  // At most kMaxTrimThreshold.
  size_t trim_threshold = 4 * 1024 * 1024;
};

// glibc's own limit on M_MMAP_THRESHOLD (HEAP_MAX_SIZE / 2 on 64-bit).
constexpr size_t kMaxMmapThreshold = 32 * 1024 * 1024;
// The most M_TRIM_THRESHOLD we accept: 1 GiB (mallopt takes an int).
constexpr size_t kMaxTrimThreshold = size_t{1} << 30;
static_assert(kMaxMmapThreshold <= INT_MAX && kMaxTrimThreshold <= INT_MAX,
              "mallopt takes an int");

// Applies `settings` to this process. InvalidArgument if glibc refuses one.
Status ApplyMallocSettings(const MallocSettings& settings);

// Whether `settings` fix an mmap threshold that a malloc request of `bytes`
// reaches, so that glibc may map each such block on its own and unmap it
// when it is freed. glibc compares the chunk's size: the request plus an
// 8-byte header, rounded up to 16 bytes (a 65,536-byte request makes a
// 65,552-byte chunk). False with the sliding threshold (mmap_threshold 0),
// which starts at 128 KiB and only rises.
bool MapsAlone(const MallocSettings& settings, size_t bytes);

// Gives the free memory inside glibc's arenas back to the kernel
// (malloc_trim) after large responses, at most once per interval. Blocks
// under the mmap threshold (a transcript's messages, an audit page's JSON
// values) leave free pages in the middle of an arena that glibc otherwise
// keeps for good. A trim can take tens of milliseconds of madvise calls, so
// the caller runs ReleaseFreeMemory where it delays no connection (vaultd:
// on the worker pool). Thread safety: TakeTurn may be called from any
// thread; one caller per interval gets the turn.
class MemoryTrimmer {
 public:
  // Responses of fewer than `min_bytes` never trim; 0 turns trimming off.
  MemoryTrimmer(size_t min_bytes, std::chrono::milliseconds interval)
      : min_bytes_(min_bytes), interval_(interval) {}

  // Called once a response of `bytes` bytes has been freed: true if it was
  // large enough and the last turn was at least the interval ago, and the
  // caller should now call ReleaseFreeMemory().
  bool TakeTurn(size_t bytes);
  uint64_t turns() const { return turns_.load(std::memory_order_relaxed); }

 private:
  const size_t min_bytes_;
  const std::chrono::milliseconds interval_;
  std::atomic<int64_t> last_ns_{0};  // MonotonicNanos() of the last turn
  std::atomic<uint64_t> turns_{0};
};

// malloc_trim(0): every arena's free pages back to the kernel.
void ReleaseFreeMemory();

}  // namespace vault

#endif  // VAULT_SERVER_MALLOC_CONFIG_H_
