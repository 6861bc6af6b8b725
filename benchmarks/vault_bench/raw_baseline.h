// The same-run baseline: raw RocksDB doing what one vaultd request does to
// its store, with no HTTP, JSON or client around it (and, but for the
// opened reads, no crypto or audit either).
//
//   writes  each write is one batch of a message-sized value (the sealed
//           size of a message of `message_bytes`) and a state-sized value,
//           WriteOptions::sync = true, from `threads` threads at once, so
//           RocksDB group-commits their WAL syncs as it does for vaultd;
//           also paced at a given rate (the vault's half peak, issue 18
//           point 2: what RocksDB's own tail is at that load).
//   reads   a prefix scan of `messages` message-sized values (one
//           transcript's messages) from `threads` threads.
//   syncs   one thread appending 256 bytes to a file and fdatasync-ing it,
//           one after the other: the least a durable audit record costs
//           (what a read's audit record waits for).
//   opened reads  what a read of sealed records cannot do without: the
//           prefix scan of `reads`, each value opened with the vault's own
//           AEAD (a sealed message's size; its key as associated data,
//           where vaultd binds a 36-byte RecordAd, which costs the same);
//           audited, then one synced 256-byte RocksDB write, its audit
//           record (RocksDB group-commits the threads' syncs, as vaultd's
//           audit log does). No HTTP, JSON, reply, key unwrap or client:
//           the floor of issue 18 point 3's read in the vault's order
//           (records opened, then the audit record made durable), not a
//           bound on every possible read path.
#ifndef VAULT_BENCHMARKS_VAULT_BENCH_RAW_BASELINE_H_
#define VAULT_BENCHMARKS_VAULT_BENCH_RAW_BASELINE_H_

#include <string>

#include "benchmarks/vault_bench/bench_util.h"

namespace vault::bench {

struct PhaseResult {
  uint64_t ops = 0;
  double seconds = 0;
  Summary latency;
  uint64_t syncs = 0;  // raw writes: WAL syncs (rocksdb::Statistics)
  // Raw writes: this process's CPU time over the timed phase (the writer
  // threads and RocksDB's own flush and compaction threads), so that
  // vaultd's CPU per append can be set beside what RocksDB alone costs.
  double cpu_seconds = 0;
  double rate() const { return seconds > 0 ? ops / seconds : 0; }
  double cpu_us_per_op() const { return ops > 0 ? 1e6 * cpu_seconds / ops : 0; }
};

// How a raw store is opened: RocksDB's defaults (a 64 MiB memtable, so
// that a 5-second phase flushes little or nothing), or with the memtable
// size of vaultd's messages column, its WAL bound and its bytes_per_sync
// (vault/storage/store.h), so that it flushes about as often as vaultd's
// messages column and hands its flushes to the disk the same way. Still
// one column (vaultd keeps states in a 4 MiB one) and RocksDB's defaults
// for the write path's other options.
enum class RawSizes { kRocksDbDefaults, kVaultd };

// rate > 0: at most that many writes a second in all, paced (the latency of
// a write counts from when it was due), each thread's schedule starting
// again every `restart_every` writes (0: never); rate 0: as fast as they go.
PhaseResult RawWrites(const std::string& dir, int threads, double seconds, size_t message_bytes,
                      double rate = 0, int restart_every = 0,
                      RawSizes sizes = RawSizes::kRocksDbDefaults);
// One thread writing synced batches of `group` messages (and their chats'
// states) at a time, as vaultd's committer writes what is queued: RocksDB's
// cost per message when the vault does its grouping for it.
PhaseResult RawGroupedWrites(const std::string& dir, double seconds, size_t message_bytes,
                             int group);
PhaseResult RawSyncs(const std::string& dir, double seconds);
PhaseResult RawReads(const std::string& dir, int threads, double seconds, size_t message_bytes,
                     int messages);
PhaseResult RawOpenedReads(const std::string& dir, int threads, double seconds,
                           size_t message_bytes, int messages, bool audited);

}  // namespace vault::bench

#endif  // VAULT_BENCHMARKS_VAULT_BENCH_RAW_BASELINE_H_
