// Store::kArenaBlockBytes with vaultd's malloc settings (MallocSettings):
// once a memtable has been flushed and freed, the next ones take its memory
// from the heap again rather than mapping fresh pages and faulting each one
// in (docs/performance.md section 10.20). In its own executable, since it
// sets this process's allocator as vaultd does, and counts the page faults
// of the whole process.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>

#include "tests/support/api_util.h"  // ASSERT_OK
#include "tests/support/temp_dir.h"
#include "vault/server/malloc_config.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

uint64_t MinorFaults() {
  struct rusage usage {};
  EXPECT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  return static_cast<uint64_t>(usage.ru_minflt);
}

// Writes `bytes` of 1 KiB values under random keys of a message key's
// length (24 bytes) to the messages column, in batches of 32 without a
// sync: the test is of memory, not durability. (A batch of 128 KiB or more
// would be a mapping of its own, faulted in anew each time, as a memtable
// block over the threshold was.)
void WriteMessages(Store& store, std::mt19937_64& rng, uint64_t bytes) {
  constexpr size_t kValueBytes = 1024;
  constexpr size_t kPerBatch = 32;
  const std::string value(kValueBytes, '\x5a');
  std::string key(24, '\0');
  for (uint64_t written = 0; written < bytes; written += kPerBatch * kValueBytes) {
    WriteBatch batch;
    for (size_t i = 0; i < kPerBatch; ++i) {
      for (size_t j = 0; j < key.size(); j += 8) {
        const uint64_t r = rng();
        key.replace(j, 8, reinterpret_cast<const char*>(&r), 8);
      }
      batch.Put(Column::kMessages, key, value);
    }
    ASSERT_OK(store.Write(&batch, /*sync=*/false));
  }
}

// The measured phase writes four memtables' worth after three, from a
// thread of its own, as vaultd's group committer does (the main thread
// takes memory from the program break, other threads from malloc's other
// arena, whose heaps glibc trims its own way). With blocks over the mmap
// threshold, every memtable's 16 MiB were fresh mappings: 256 page faults
// per MiB written at least (317-318 measured with RocksDB's default
// 1 MiB blocks). With the heap's blocks, 15 to 47 per MiB when the test
// runs alone: the part of a freed memtable that glibc gave back before the
// next one took it, and RocksDB's buffers for the files it flushes. The
// bound is half a fault per 4 KiB page written.
TEST(MemtableMemoryTest, LaterMemtablesReuseTheHeapInsteadOfFaultingInNewPages) {
  const MallocSettings vaultd;  // vaultd's defaults (tools/vaultd.cc)
  ASSERT_FALSE(MapsAlone(vaultd, Store::kArenaBlockBytes))
      << "memtable blocks would be mappings of their own";
  ASSERT_OK(ApplyMallocSettings(vaultd));

  TempDir dir;
  auto opened = Store::Open(dir.path() + "/db");
  ASSERT_OK(opened);
  Store& store = **opened;
  std::mt19937_64 rng(20261207);

  constexpr uint64_t kMeasured = 4 * Store::kMessagesMemtableBytes;
  uint64_t faults = 0;
  uint64_t flushed = 0;
  std::thread writer([&] {
    ASSERT_NO_FATAL_FAILURE(WriteMessages(store, rng, 3 * Store::kMessagesMemtableBytes));
    const uint64_t flushed_before = store.GetStats().flush_write_bytes;
    const uint64_t faults_before = MinorFaults();
    ASSERT_NO_FATAL_FAILURE(WriteMessages(store, rng, kMeasured));
    faults = MinorFaults() - faults_before;
    flushed = store.GetStats().flush_write_bytes - flushed_before;
  });
  writer.join();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  // The phase did flush memtables (else it would show nothing about them).
  EXPECT_GE(flushed, 2 * Store::kMessagesMemtableBytes) << "flushed " << flushed << " bytes";
  const double per_mib = static_cast<double>(faults) / static_cast<double>(kMeasured / kMiB);
  EXPECT_LT(per_mib, 128.0) << faults << " page faults for " << kMeasured / kMiB
                           << " MiB written, " << flushed << " bytes flushed";
}

}  // namespace
}  // namespace vault
