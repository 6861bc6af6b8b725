// Store: the RocksDB schema. Stores opaque bytes and knows no cryptography:
// every value that reaches it is already sealed or wrapped.
//
// Column families (spec: docs/formats/rocksdb-schema.md; keys in schema.h):
//   transcripts   id(16) kind(1)          -> sealed visitor / state record
//   messages      id(16) seq(8, BE)       -> sealed message record
//   wrapped_keys  id(16)                  -> DEK wrapped under an epoch key
//   expiry_index  epoch(8, BE) id(16)     -> "" (which transcripts an epoch holds)
//   holds         't' id(16) case         -> hold: DEK sealed to the case key
//                 'c' case NUL id(16)     -> "" (which transcripts a case holds)
//   rights        the rights-request register (vault/rights)
//   statistics    service 0 day(4) cell   -> int64 (8, BE), merged by addition
//   default       "counter/" name         -> int64 (8, BE two's complement), merged
//
// Counters are plain numbers changed only by adding to them inside a batch
// (RocksDB merge), so concurrent batches never lose an update and a counter
// is exactly as durable as the batch that changed it.
//
// Durability: Write() with sync=true returns after the WAL is fsynced;
// concurrent writers are group-committed by RocksDB.
//
// A full disk: a write that cannot be made durable fails (IOError
// "store_io_error") and is not applied. RocksDB then refuses every write
// (the store is read-only; reads still work) until it recovers: by itself
// once there is room to flush the memtables (it checks every 5 s, and tries
// once the largest memtable's worth, kMessagesMemtableBytes, is free; on a
// new store's first run, a 4 MiB one: CreateStore opens the default column
// alone, and RocksDB reserves the largest memtable of the columns it was
// opened with), or when the next Write() finds no recovery under way and
// DB::Resume() succeeds (tried at most once per Settings::resume_interval).
// The write-ahead log is kept small (kMaxWalBytes: memtables are flushed
// when it grows past that), so that a restart, which flushes what the WAL
// holds, needs at most that much free space.
// RocksDB's info log (db/LOG, LOG.old) drops lines it cannot write rather
// than stopping the process.
// One case still needs a restart: a write that fails as the very first
// write into a new WAL file (the disk filled exactly as RocksDB switched
// WALs). RocksDB 7.8 recovers from it but keeps the failed WAL writer, so
// writes are then refused with IOError "store_restart_needed" (503) rather
// than let the next one abort the process; nothing acknowledged is lost.
// Every synced Write is timed; GetStats reports those latencies, failed
// writes, fsyncs of the write-ahead log and the bytes on disk.
// Thread safety: all methods may be called concurrently.
#ifndef VAULT_STORAGE_STORE_H_
#define VAULT_STORAGE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/metrics.h"
#include "vault/options.h"
#include "vault/status.h"

namespace vault {

enum class Column {
  kTranscripts = 0,
  kMessages,
  kWrappedKeys,
  kExpiryIndex,
  kHolds,
  kVisitorIndex,
  kRights,      // the rights-request register (vault/rights)
  kStatistics,  // anonymous day counts (vault/stats), merged by addition
};
constexpr int kNumColumns = 8;
const char* ColumnName(Column c);

// An atomic group of changes.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Column c, std::string_view key, std::string_view value);
  void Delete(Column c, std::string_view key);
  // Deletes keys in [begin, end).
  void DeleteRange(Column c, std::string_view begin, std::string_view end);
  // Adds `delta` (may be negative) to the counter `name`.
  void AddToCounter(std::string_view name, int64_t delta);
  // Adds `delta` to the count under `key` in column `c`, which must be one
  // merged by addition (kStatistics); the value is 8 bytes BE.
  void AddToCount(Column c, std::string_view key, int64_t delta);
  size_t Count() const;

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

class Store {
 public:
  // A column's memtable is flushed on its own when it holds kMemtableBytes
  // (the messages column: kMessagesMemtableBytes), and every memtable that
  // still needs the oldest WAL file when the WAL grows past kMaxWalBytes.
  // The WAL bound is twice the largest memtable and eight of the others, so
  // that the column written most fills its memtable before the bound
  // flushes it (messages while chats go on; transcripts and the index when
  // chats are opened and closed with few messages, section 9.11 of docs/
  // performance.md), and the other columns are flushed half as often as
  // with a bound of 16 MiB (section 10.12).
  //
  // The messages column takes about nine tenths of the bytes written, and
  // its keys begin with a random transcript id, so every level-0 file it
  // flushes overlaps the whole of level 1, and each compaction of level 0
  // rewrites level 1. With 4 MiB memtables, compactions rewrote about five
  // times the bytes appended in a 10-second run, and took a fifth of
  // vaultd's CPU at peak; level 1 is rewritten once per four memtables, so
  // a larger one cuts that in proportion (docs/performance.md section
  // 10.12).
  static constexpr uint64_t kMaxWalBytes = 32 << 20;
  static constexpr uint64_t kMemtableBytes = 4 << 20;
  static constexpr uint64_t kMessagesMemtableBytes = 16 << 20;
  // Flushes and compactions hand their files to the disk this much at a
  // time (RocksDB's bytes_per_sync), so that a WAL sync never waits behind a
  // whole file's (store.cc, Open).
  static constexpr uint64_t kBytesPerSync = 1 << 20;
  // Memtables grow by blocks of this many bytes (RocksDB's arena_block_size,
  // whose default is an eighth of the memtable up to 1 MiB: 1 MiB for the
  // messages column, 512 KiB for the others). Blocks under the mmap
  // threshold vaultd gives malloc (128 KiB, MallocSettings in
  // vault/server/malloc_config.h; glibc compares a block's size plus an
  // 8-byte header, rounded up to 16: MapsAlone) come from its heap, and a
  // flushed memtable's blocks are reused by the next memtable. Blocks over
  // it are mappings of their own: every memtable's pages were then faulted
  // in afresh, zeroed by the kernel, on the thread that leads RocksDB's
  // write group (the group committer), about 0.4 faults an append of 1 KiB,
  // and that thread took about a fifth more CPU an append than it does now
  // on the development machine (docs/performance.md section 10.20). The
  // price: up to a memtable's worth of freed memory stays in the heap
  // between memtables, and a trim after a large response (MemoryTrimmer)
  // gives it back to be faulted in again.
  static constexpr uint64_t kArenaBlockBytes = kMemtableBlockBytes;

  // The transcripts, wrapped keys and expiry index columns take a few
  // hundred new keys each time the WAL's bound flushes them, and each
  // compaction of their level 0 rewrites the whole of their level 1: the
  // first two have random keys (about 100 MB of wrapped keys in a vault of
  // 1,000,000 transcripts), the expiry index a level 1 of one file. They
  // compact level 0 at this many files rather than RocksDB's 4: in 90
  // seconds at peak on such a vault, their compactions took about a quarter
  // of the CPU they did, and an append about a sixth less. A point read
  // probes each level-0 file's Bloom filter before level 1's, 0.15 to 0.2
  // µs a file (docs/performance.md section 10.13); RocksDB's write slowdown
  // (20 files) and stop (36) triggers are unchanged.
  static constexpr int kRandomKeysLevel0Files = 16;

  // Events about the store's health, with reason codes only (never keys,
  // values or paths): "store_stopped" (writes refused after a hard background
  // error; fields reason, error, severity), "store_background_error" (any
  // other background error, e.g. a compaction that found no space),
  // "store_resumed", "store_recovery_failed" (error). Called from RocksDB's
  // threads or a writer's; must be thread-safe and must not call the Store.
  using EventFields = std::vector<std::pair<std::string, std::string>>;
  using EventSink = std::function<void(std::string_view event, const EventFields& fields)>;
  struct Settings {
    EventSink on_event;
    // The least time between two DB::Resume() attempts made by writers.
    std::chrono::milliseconds resume_interval{1000};
    // false: RocksDB's own recovery is declined, and only writers resume a
    // stopped store (tests of that path).
    bool auto_recovery = true;
  };

  struct Stats {
    uint64_t live_data_bytes = 0;  // estimate of live SST bytes
    uint64_t sst_bytes = 0;        // every SST file, including obsolete ones still on disk
    uint64_t wal_bytes = 0;        // live write-ahead-log files
    HistogramSnapshot synced_writes;
    uint64_t failed_writes = 0;
    uint64_t wal_syncs = 0;
    // Bytes flushes and compactions have written to SST files since Open,
    // over every column (RocksDB's FLUSH_WRITE_BYTES, COMPACT_WRITE_BYTES;
    // the flush of the WAL during Open counts as compaction bytes).
    uint64_t flush_write_bytes = 0;
    uint64_t compact_write_bytes = 0;
    bool read_only = false;          // writes refused after a background error
    uint64_t background_errors = 0;  // RocksDB background errors since Open
    uint64_t recoveries = 0;         // times writes resumed after one
    // Flushes and compactions running or waiting, over every column: 0
    // when the store has settled (benchmarks wait for it after a bulk fill).
    uint64_t background_work = 0;
  };

  static StatusOr<std::unique_ptr<Store>> Open(const std::string& dir, Settings settings);
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& dir);
  // Opens the store in `dir` (a backup's db/) for reading only: nothing in
  // `dir` is written, not even RocksDB's info log. NotFound "no_store" if
  // `dir` holds no store. Writes through it fail.
  static StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::string& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // NotFound if absent.
  StatusOr<std::string> Get(Column c, std::string_view key) const;
  Status Write(WriteBatch* batch, bool sync = true);
  // The batches as one: a single RocksDB write (and, with `sync`, one WAL
  // sync), applied entirely or not at all (GroupCommitter).
  Status WriteAll(std::span<WriteBatch* const> batches, bool sync = true);
  // The value of counter `name`; 0 if nothing was ever added to it.
  StatusOr<int64_t> ReadCounter(std::string_view name) const;
  // Calls `fn(key, value)` for each key starting with `prefix`, in order,
  // until it returns false.
  Status Scan(Column c, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Scan for each of `prefixes` (in the order given) with one iterator,
  // which is much cheaper than one Scan per prefix when most are absent.
  // `fn(i, key, value)` gets the index of the prefix; returning false
  // stops the whole scan.
  Status ScanPrefixes(
      Column c, const std::vector<std::string>& prefixes,
      const std::function<bool(size_t, std::string_view, std::string_view)>& fn) const;
  // The greatest key of the column family, or, with `below` not empty, the
  // greatest key less than `below`; NotFound if there is none.
  StatusOr<std::string> LastKey(Column c, std::string_view below = {}) const;
  // Visits keys in [begin, end) in order until `fn` returns false.
  Status ScanRange(Column c, std::string_view begin, std::string_view end,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Flushes memtables and compacts every column family to the bottommost
  // level, rewriting it, so deleted entries leave the SST files.
  Status FlushAndCompact();
  Stats GetStats() const;
  // True while RocksDB refuses writes after a background error.
  bool read_only() const;
  // A consistent point-in-time copy of the database in `dir` (which must not
  // exist): hard links where the file system allows, copies otherwise, with
  // the WAL flushed into it. RocksDB's Checkpoint.
  Status CreateCheckpoint(const std::string& dir);

  // Test seam (fault injection, docs/design.md section 16): the next `count`
  // calls of `op` fail with IOError "injected_fault" without touching the
  // database. A failed injected Write counts in Stats::failed_writes.
  enum class Op { kWrite, kCompact, kCheckpoint };
  void InjectFaultsForTesting(Op op, int count);

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  static StatusOr<std::unique_ptr<Store>> OpenImpl(const std::string& dir, Settings settings,
                                                   bool read_only);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vault

#endif  // VAULT_STORAGE_STORE_H_
