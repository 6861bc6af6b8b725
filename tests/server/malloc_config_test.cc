// MemoryTrimmer and ApplyMallocSettings (vault/server/malloc_config.h): free
// memory in the middle of an arena goes back to the kernel after a large
// response, at most once per interval (issue 13, item 4). In its own
// executable, since it changes this process's allocator settings and reads
// its resident set.
#include "vault/server/malloc_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "vault/options.h"

namespace vault {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

uint64_t RssKib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// The top of the main thread's arena is the program break. Blocks of
// 4,000 bytes skip the per-thread cache, so freeing them in order merges
// them into the top at once, as a freed reply does.
struct BreakMoves {
  uintptr_t rose = 0;  // while 2 MiB were allocated
  uintptr_t fell = 0;  // when they were freed
};

BreakMoves AllocateAndFreeTwoMiB() {
  constexpr size_t kBlocks = 512;
  std::vector<char*> blocks;
  blocks.reserve(kBlocks);
  const uintptr_t start = reinterpret_cast<uintptr_t>(sbrk(0));
  for (size_t i = 0; i < kBlocks; ++i) {
    char* block = static_cast<char*>(std::malloc(4000));
    for (size_t j = 0; j < 4000; j += 64) block[j] = 1;
    blocks.push_back(block);
  }
  const uintptr_t peak = reinterpret_cast<uintptr_t>(sbrk(0));
  for (char* block : blocks) std::free(block);
  const uintptr_t end = reinterpret_cast<uintptr_t>(sbrk(0));
  return {peak > start ? peak - start : 0, peak > end ? peak - end : 0};
}

// These two tests come first in this file, in this order: each needs a heap
// that earlier tests have not left free chunks in, and the first needs
// glibc's thresholds never set (ctest runs each test in a process of its
// own anyway; these orders hold for a run of the whole executable).
//
// With the mmap threshold left sliding, the trim threshold is not set
// either: setting it would stop glibc from moving both.
TEST(ApplyMallocSettingsTest, SlidingThresholdsAreLeftAlone) {
  ASSERT_TRUE(ApplyMallocSettings({.arenas = 0, .mmap_threshold = 0}).ok());
  const BreakMoves moves = AllocateAndFreeTwoMiB();
  ASSERT_GE(moves.rose, 1024u * 1024) << "the blocks did not come from the top";
  EXPECT_GT(moves.fell, 1024u * 1024) << "glibc's own trim threshold was replaced";
}

// The default lets 4 MiB build up at the top, so a reply's worth of memory
// freed and taken again costs no brk and no page faults; the glibc default
// that a fixed mmap threshold leaves (128 KiB) gives it back at once.
TEST(ApplyMallocSettingsTest, TrimThresholdKeepsTheTopOfTheArena) {
  EXPECT_EQ(MallocSettings{}.trim_threshold, 4u * 1024 * 1024);
  ASSERT_TRUE(ApplyMallocSettings({.arenas = 0, .mmap_threshold = 128 * 1024}).ok());
  BreakMoves moves = AllocateAndFreeTwoMiB();
  ASSERT_GE(moves.rose, 1024u * 1024) << "the blocks did not come from the top";
  EXPECT_EQ(moves.fell, 0u) << "the free top was given to the kernel";
  ASSERT_TRUE(ApplyMallocSettings(
                  {.arenas = 0, .mmap_threshold = 128 * 1024, .trim_threshold = 128 * 1024})
                  .ok());
  moves = AllocateAndFreeTwoMiB();
  EXPECT_GT(moves.fell, 1024u * 1024) << "a 128 KiB threshold kept the top";
}

TEST(MemoryTrimmerTest, SmallResponsesNeverTrim) {
  MemoryTrimmer trimmer(256 * 1024, milliseconds(0));
  EXPECT_FALSE(trimmer.TakeTurn(0));
  EXPECT_FALSE(trimmer.TakeTurn(256 * 1024 - 1));
  EXPECT_EQ(trimmer.turns(), 0u);
}

TEST(MemoryTrimmerTest, TrimsAtMostOncePerInterval) {
  MemoryTrimmer trimmer(1024, hours(1));
  EXPECT_TRUE(trimmer.TakeTurn(1024));
  EXPECT_FALSE(trimmer.TakeTurn(1 << 20));
  EXPECT_FALSE(trimmer.TakeTurn(1 << 30));
  EXPECT_EQ(trimmer.turns(), 1u);
  MemoryTrimmer every_time(1024, milliseconds(0));
  EXPECT_TRUE(every_time.TakeTurn(4096));
  EXPECT_TRUE(every_time.TakeTurn(4096));
  EXPECT_EQ(every_time.turns(), 2u);
}

TEST(MemoryTrimmerTest, ZeroBytesTurnsItOff) {
  MemoryTrimmer off(0, milliseconds(0));
  EXPECT_FALSE(off.TakeTurn(1 << 30));
}

// What glibc keeps without a trim: 48 MiB of small blocks freed below one
// that is still in use stay resident; after a large response's trim they
// are gone.
TEST(MemoryTrimmerTest, GivesFreedSmallBlocksBackToTheKernel) {
  ASSERT_TRUE(ApplyMallocSettings({.arenas = 0, .mmap_threshold = 128 * 1024}).ok());
  constexpr size_t kBlocks = 48 * 1024;
  std::vector<char*> blocks;
  blocks.reserve(kBlocks);
  for (size_t i = 0; i < kBlocks; ++i) {
    char* block = static_cast<char*>(std::malloc(1000));
    for (size_t j = 0; j < 1000; j += 64) block[j] = 1;  // resident
    blocks.push_back(block);
  }
  char* pin = static_cast<char*>(std::malloc(1000));  // above them: no trim from the top
  pin[0] = 1;
  const uint64_t held = RssKib();
  for (char* block : blocks) std::free(block);
  const uint64_t freed = RssKib();
  EXPECT_GT(freed + 8 * 1024, held) << "glibc gave the blocks back by itself";
  MemoryTrimmer trimmer(1, milliseconds(0));
  ASSERT_TRUE(trimmer.TakeTurn(1));
  ReleaseFreeMemory();
  const uint64_t trimmed = RssKib();
  EXPECT_LT(trimmed + 32 * 1024, freed) << "held " << held << " KiB, after free " << freed
                                        << " KiB, after the trim " << trimmed << " KiB";
  std::free(pin);
}

TEST(ApplyMallocSettingsTest, ZeroLeavesGlibcsDefaults) {
  EXPECT_TRUE(ApplyMallocSettings({.arenas = 0, .mmap_threshold = 0, .trim_threshold = 0}).ok());
  EXPECT_TRUE(ApplyMallocSettings({.arenas = 4,
                                   .mmap_threshold = kMaxMmapThreshold,
                                   .trim_threshold = kMaxTrimThreshold})
                  .ok());
}

// glibc's chunk for a request: the request plus an 8-byte header, rounded
// up to 16 bytes, mapped alone at or over a fixed threshold.
TEST(MapsAloneTest, ComparesTheChunkWithAFixedThreshold) {
  const MallocSettings at_64k{.mmap_threshold = 65552};
  EXPECT_TRUE(MapsAlone(at_64k, 65536));   // chunk 65,552
  EXPECT_TRUE(MapsAlone(at_64k, 65529));   // chunk 65,552
  EXPECT_FALSE(MapsAlone(at_64k, 65528));  // chunk 65,536
  const MallocSettings over{.mmap_threshold = 65553};
  EXPECT_FALSE(MapsAlone(over, 65536));
  EXPECT_FALSE(MapsAlone(over, 65544));  // chunk 65,552
  EXPECT_TRUE(MapsAlone(over, 65545));   // chunk 65,568
  const MallocSettings vaultd;           // 128 KiB
  EXPECT_FALSE(MapsAlone(vaultd, kMemtableBlockBytes));
  EXPECT_FALSE(MapsAlone(vaultd, (128 << 10) - 24));
  EXPECT_TRUE(MapsAlone(vaultd, (128 << 10) - 8));
  EXPECT_TRUE(MapsAlone(vaultd, SIZE_MAX));
  // The sliding threshold maps nothing this rule can say in advance.
  EXPECT_FALSE(MapsAlone({.mmap_threshold = 0}, kMemtableBlockBytes));
  EXPECT_FALSE(MapsAlone({.mmap_threshold = 0}, SIZE_MAX));
  // Past glibc's cap the cap applies, as ApplyMallocSettings applies it.
  EXPECT_TRUE(MapsAlone({.mmap_threshold = SIZE_MAX}, kMaxMmapThreshold));
}

}  // namespace
}  // namespace vault
