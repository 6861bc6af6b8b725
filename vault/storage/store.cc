#include "vault/storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <string>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/common/histogram.h"
#include "vault/common/monotonic.h"
#include "vault/storage/schema.h"
#include "vault/storage/store_health.h"

namespace vault {
namespace {

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::OK();
  std::string m = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(m);
  if (s.IsCorruption()) return Status::Corruption(m, "store_corrupt");
  if (s.IsIOError() || s.IsNoSpace()) return Status::IOError(m, "store_io_error");
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Status::Unavailable(m);
  return Status::Internal(m, "store_error");
}

rocksdb::Slice S(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }

constexpr std::string_view kCounterPrefix = "counter/";
// Never written: FlushAndCompact flushes a tombstone of it to change the
// table set once more.
constexpr std::string_view kManifestRollKey = "manifest-roll";
constexpr size_t kCounterBytes = 8;

std::string CounterKey(std::string_view name) { return std::string(kCounterPrefix) + std::string(name); }

std::string EncodeCounter(int64_t v) {
  std::string out;
  PutU64(&out, static_cast<uint64_t>(v));
  return out;
}

// The memtable insert hint's prefix (RocksDB's
// memtable_insert_with_hint_prefix_extractor) for the columns keyed by a
// transcript id: the id, for keys of at least `min_key` bytes. RocksDB 7.8
// keeps one hint per prefix for a memtable's point entries and its range
// deletions alike (facebook/rocksdb issue 5118, fixed in 9.2 by pull
// request 12558), and a hint points into one of the two skip lists, so a
// range deletion must never begin with a key in the domain: `min_key` is
// longer than the transcript id the store's range deletions begin with, and
// Store::WriteAll refuses any other (HintedKeyBytes).
class TranscriptHint final : public rocksdb::SliceTransform {
 public:
  // `min_key` > kIdBytes (HintedKeyBytes): Transform reads the id, and a
  // range deletion beginning with the bare id must stay outside the domain.
  explicit TranscriptHint(size_t min_key)
      : min_key_(min_key), name_("vault.TranscriptHint." + std::to_string(min_key)) {}
  const char* Name() const override { return name_.c_str(); }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), kIdBytes);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() >= min_key_; }

 private:
  const size_t min_key_;
  const std::string name_;
};

// Keys at least this long in column `c` are inserted with a hint; 0: none
// are (the column has no hint prefix).
constexpr size_t HintedKeyBytes(Column c) {
  switch (c) {
    case Column::kMessages: return kIdBytes + 8;     // id | seq, and id | seq | n
    case Column::kTranscripts: return kIdBytes + 1;  // id | kind
    default: return 0;
  }
}
static_assert(HintedKeyBytes(Column::kMessages) > kIdBytes &&
                  HintedKeyBytes(Column::kTranscripts) > kIdBytes,
              "a purge's range deletion begins with the bare id, outside the hints' domain");

// Counters in the default column family: 8-byte big-endian two's complement
// integers, merged by addition (wrapping, like the uint64 they are stored as).
class CounterAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing,
             const rocksdb::Slice& operand, std::string* merged,
             rocksdb::Logger* logger) const override {
    if (operand.size() != kCounterBytes) return false;
    if (existing != nullptr && existing->size() != kCounterBytes) return false;
    const uint64_t base = existing == nullptr ? 0 : GetU64(existing->data());
    merged->clear();
    PutU64(merged, base + GetU64(operand.data()));
    return true;
  }
  const char* Name() const override { return "vault.CounterAdd"; }
};

Status InjectedFault() { return Status::IOError("injected fault (test)", "injected_fault"); }

}  // namespace

const char* ColumnName(Column c) {
  switch (c) {
    case Column::kTranscripts: return "transcripts";
    case Column::kMessages: return "messages";
    case Column::kWrappedKeys: return "wrapped_keys";
    case Column::kExpiryIndex: return "expiry_index";
    case Column::kHolds: return "holds";
    case Column::kVisitorIndex: return "visitor_index";
    case Column::kRights: return "rights";
    case Column::kStatistics: return "statistics";
  }
  return "unknown";
}

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  // Filled in by Store::Write; ops record column + args until then.
  // kind: 0 put, 1 delete, 2 delete range, 3 add to counter (a = key, b =
  // delta), 4 add to a count of column c (a = key, b = delta). Their bytes
  // are kept back to back in `bytes`, not in two strings of their own: a
  // key or value longer than 15 bytes would take an allocation each.
  struct Op {
    int kind;
    Column c;
    size_t a_at, a_size, b_at, b_size;
  };
  std::vector<Op> ops;
  std::string bytes;

  void Add(int kind, Column c, std::string_view a, std::string_view b) {
    if (ops.empty()) {
      ops.reserve(8);
      bytes.reserve(a.size() + b.size() + 256);  // an append's message and its state: once
    }
    ops.push_back(Op{kind, c, bytes.size(), a.size(), bytes.size() + a.size(), b.size()});
    bytes.append(a);
    bytes.append(b);
  }
  std::string_view A(const Op& op) const {
    return std::string_view(bytes).substr(op.a_at, op.a_size);
  }
  std::string_view B(const Op& op) const {
    return std::string_view(bytes).substr(op.b_at, op.b_size);
  }
};

WriteBatch::WriteBatch() : rep_(new Rep) {}
WriteBatch::~WriteBatch() = default;
void WriteBatch::Put(Column c, std::string_view k, std::string_view v) { rep_->Add(0, c, k, v); }
void WriteBatch::Delete(Column c, std::string_view k) { rep_->Add(1, c, k, {}); }
void WriteBatch::DeleteRange(Column c, std::string_view b, std::string_view e) {
  rep_->Add(2, c, b, e);
}
void WriteBatch::AddToCount(Column c, std::string_view key, int64_t delta) {
  rep_->Add(4, c, key, EncodeCounter(delta));
}

void WriteBatch::AddToCounter(std::string_view name, int64_t delta) {
  rep_->Add(3, Column::kTranscripts, CounterKey(name), EncodeCounter(delta));
}
size_t WriteBatch::Count() const { return rep_->ops.size(); }

struct Store::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // index = Column; [kNumColumns] = default
  std::shared_ptr<rocksdb::Statistics> statistics;    // tickers only (WAL syncs)
  LatencyHistogram synced_writes;
  std::atomic<uint64_t> failed_writes{0};
  std::array<std::atomic<int>, 3> faults{};  // injected failures left, by Store::Op
  std::shared_ptr<StoreHealth> health;       // constant after Open
  std::chrono::nanoseconds resume_interval{0};  // constant after Open
  // MonotonicNanos() before which writers do not try DB::Resume() again.
  std::atomic<int64_t> next_resume{0};
  // A writer's try at recovering a stopped database, when RocksDB has no
  // recovery of its own under way (it refuses a manual one then).
  void MaybeResume() {
    if (!health->stopped() || health->auto_recovering()) return;
    const int64_t now = MonotonicNanos();
    int64_t next = next_resume.load();
    if (now < next || !next_resume.compare_exchange_strong(next, now + resume_interval.count())) {
      return;
    }
    health->ManualResume(db->Resume());
  }
  // The WAL file whose writer a failed write left in error (0: none).
  // RocksDB 7.8 keeps that writer if its recovery finds every memtable empty
  // (it switches to a new WAL only with a memtable to switch), and the next
  // write into it aborts the process in Debian's build. Writes are refused
  // instead until a restart; see the header comment.
  std::atomic<uint64_t> failed_wal{0};
  uint64_t CurrentWal() const {
    std::unique_ptr<rocksdb::LogFile> wal;
    return db->GetCurrentWalFile(&wal).ok() && wal ? wal->LogNumber() : 0;
  }
  // Non-OK if writes must not reach RocksDB.
  Status CheckWal() {
    const uint64_t failed = failed_wal.load(std::memory_order_acquire);
    if (failed == 0 || health->stopped()) return Status::OK();  // RocksDB refuses them itself
    if (CurrentWal() != failed) {
      failed_wal.store(0, std::memory_order_release);
      return Status::OK();
    }
    return Status::IOError(
        "the store recovered from a failed write but kept its failed write-ahead log; "
        "restart vaultd (nothing acknowledged is lost)",
        "store_restart_needed");
  }
  // True (and one fewer left) if the next call of `op` is to fail.
  bool Fault(Op op) {
    std::atomic<int>& left = faults[static_cast<int>(op)];
    int n = left.load();
    while (n > 0) {
      if (left.compare_exchange_weak(n, n - 1)) return true;
    }
    return false;
  }
  rocksdb::ColumnFamilyHandle* cf(Column c) const { return handles[static_cast<int>(c)]; }
  rocksdb::ColumnFamilyHandle* counters() const { return handles[kNumColumns]; }
  ~Rep() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }
};

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Store::~Store() = default;

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir) {
  return Open(dir, Settings{});
}

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, Settings settings) {
  return OpenImpl(dir, std::move(settings), /*read_only=*/false);
}

StatusOr<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& dir) {
  if (!FileExists(dir + "/CURRENT")) {
    return Status::NotFound("no store in this directory", "no_store");
  }
  return OpenImpl(dir, Settings{}, /*read_only=*/true);
}

namespace {

// Drops every line: a read-only store writes nothing where it reads.
class SilentLog : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

}  // namespace

namespace {

// A new store: the default column first, then every other column in one
// CreateColumnFamilies, so RocksDB writes and re-reads its OPTIONS file
// twice in all. Opening with create_missing_column_families alone creates
// the columns one by one and writes and verifies the OPTIONS file (every
// column's options) after each: half of a new vaultd's start under ASan. A
// crash in between leaves a store whose missing columns the next open
// creates, as before. The handles come back in the order of `descs`, as
// DB::Open returns them.
rocksdb::Status CreateStore(const rocksdb::DBOptions& db_opts, const std::string& dir,
                            const std::vector<rocksdb::ColumnFamilyDescriptor>& descs,
                            std::vector<rocksdb::ColumnFamilyHandle*>* handles, rocksdb::DB** out) {
  std::vector<rocksdb::ColumnFamilyDescriptor> defaults, others;
  for (const rocksdb::ColumnFamilyDescriptor& d : descs) {
    (d.name == rocksdb::kDefaultColumnFamilyName ? defaults : others).push_back(d);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> opened, created;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, dir, defaults, &opened, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::DB> db(raw);
  s = db->CreateColumnFamilies(others, &created);
  if (!s.ok() || created.size() != others.size()) {
    for (rocksdb::ColumnFamilyHandle* h : opened) db->DestroyColumnFamilyHandle(h);
    for (rocksdb::ColumnFamilyHandle* h : created) db->DestroyColumnFamilyHandle(h);
    db->Close();
    return s.ok() ? rocksdb::Status::Incomplete("not every column was created") : s;
  }
  handles->clear();
  size_t next = 0;
  for (const rocksdb::ColumnFamilyDescriptor& d : descs) {
    handles->push_back(d.name == rocksdb::kDefaultColumnFamilyName ? opened.front()
                                                                   : created[next++]);
  }
  *out = db.release();
  return s;
}

}  // namespace

StatusOr<std::unique_ptr<Store>> Store::OpenImpl(const std::string& dir, Settings settings,
                                                 bool read_only) {
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = !read_only;
  db_opts.create_missing_column_families = !read_only;
  db_opts.paranoid_checks = true;
  db_opts.recycle_log_file_num = 0;  // recycled WAL files would keep old bytes around
  db_opts.keep_log_file_num = 5;
  // A new MANIFEST at every change of the table set: the MANIFEST names each
  // table's first and last keys, so a compaction that removes a key from
  // the tables must also leave a MANIFEST that no longer names it
  // (FlushAndCompact). The file is small (a few hundred bytes per table).
  db_opts.max_manifest_file_size = 0;
  db_opts.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_opts.IncreaseParallelism(2);
  // Flushes and compactions hand their SST files to the disk a megabyte at
  // a time as they write them (sync_file_range), instead of one large sync
  // at the end of each file, which queued the appends' WAL syncs behind it
  // for tens of milliseconds (docs/performance.md section 10.4: p99 at half
  // peak 41-53 ms without, 15-25 ms with).
  db_opts.bytes_per_sync = kBytesPerSync;
  // Group commit with fewer wake-ups (docs/performance.md, "vault-bench"):
  // the write group's leader inserts every member's batch into the memtable
  // itself, so a follower is woken once, when its write is durable, rather
  // than once to insert and once more to finish; and a waiting writer
  // blocks at once instead of spinning for up to 100 us first. On two cores
  // the spinning and the extra context switches cost more than parallel
  // memtable inserts gain. Durability is unchanged: sync writes still
  // return only after the WAL is fsynced.
  db_opts.allow_concurrent_memtable_write = false;
  db_opts.enable_write_thread_adaptive_yield = false;
  auto statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_opts.statistics = statistics;
  // A full disk (header comment): a small WAL, so that a restart can flush
  // it with little room; RocksDB's recovery from a full disk (its
  // SstFileManager, made explicit here) and a listener that tracks it; an
  // info log that cannot stop the process.
  db_opts.max_total_wal_size = kMaxWalBytes;
  // No preallocation: with it, a WAL fills its preallocated room and the disk
  // runs out exactly at the first write into the next WAL file, when every
  // memtable has just been switched. RocksDB 7.8's recovery then switches no
  // memtable, so it keeps the failed WAL writer, whose next write aborts the
  // process (an assertion in Debian's build). Without it, a write fails where
  // the disk fills, normally with memtables to switch.
  db_opts.allow_fallocate = false;
  db_opts.sst_file_manager.reset(rocksdb::NewSstFileManager(rocksdb::Env::Default()));
  auto health =
      std::make_shared<StoreHealth>(std::move(settings.on_event), settings.auto_recovery);
  db_opts.listeners.push_back(health);
  if (read_only) {
    db_opts.info_log = std::make_shared<SilentLog>();
  } else if (std::shared_ptr<InfoLog> info_log = InfoLog::Open(dir)) {
    db_opts.info_log = info_log;
  }

  rocksdb::ColumnFamilyOptions cf_opts;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_opts.write_buffer_size = kMemtableBytes;
  // Memtables take their memory from malloc in blocks under vaultd's mmap
  // threshold, so that a flushed memtable's blocks stay in the heap for the
  // next one instead of being unmapped, and mapped and faulted in again
  // page by page (store.h, kArenaBlockBytes).
  cf_opts.arena_block_size = kArenaBlockBytes;
  cf_opts.compression = rocksdb::kNoCompression;  // values are ciphertext
  // The same tables with a Bloom filter of 10 bits per key, of whole keys or
  // (whole_key false) of the prefix extractor's prefixes only.
  auto with_bloom = [&table](rocksdb::ColumnFamilyOptions opts, bool whole_key) {
    rocksdb::BlockBasedTableOptions filtered = table;  // shares the cache
    filtered.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    filtered.whole_key_filtering = whole_key;
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(filtered));
    return opts;
  };

  // The visitor index is read by prefix, epoch | tag (24 bytes), and almost
  // every prefix a lookup seeks is absent (one per identifier and live
  // epoch): a prefix Bloom filter in its SST files and memtable refuses
  // those seeks without positioning an iterator (docs/formats/
  // rocksdb-schema.md). SST files written before it (no extractor, or
  // another) have no usable filter and are simply read as before; the
  // extractor's name is in the OPTIONS file and the SST properties, so
  // RocksDB never trusts a filter built with another one.
  rocksdb::ColumnFamilyOptions index_opts = with_bloom(cf_opts, /*whole_key=*/false);
  index_opts.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kVisitorIndexPrefixBytes));
  index_opts.memtable_prefix_bloom_size_ratio = 0.1;
  // Its keys begin with the epoch, and new entries are always in the
  // latest epochs (at open and at the move at close): small level-1
  // files, so that a compaction of new entries rewrites the one or two
  // files at the end of the key space rather than one 64 MiB file that
  // holds them and every older epoch's entries too (docs/performance.md
  // section 9.9: a write amplification of 10-15 with the default).
  index_opts.target_file_size_base = 4 << 20;

  // A transcript's records and its wrapped key are read by whole key, one
  // transcript at a time (every request on a transcript; a history lookup
  // reads two for each transcript it lists), and their keys are random: a
  // whole-key Bloom filter lets a read skip every level-0 file, and every
  // level, that does not hold the key without searching its index block
  // (about 1.25 bytes of filter per key, 3 or 4 keys per transcript). Not
  // the messages column: 100 messages a transcript, read by range.
  rocksdb::ColumnFamilyOptions point_opts = with_bloom(cf_opts, /*whole_key=*/true);
  point_opts.level0_file_num_compaction_trigger = kRandomKeysLevel0Files;

  // Every append puts its message at the end of its transcript's messages
  // (id | seq) and its transcript's state record again (id | 0x02): next to
  // what the transcript's last append put. With the transcript id as an
  // insert hint prefix, a memtable keeps, per transcript, where its last
  // insert went, and the next insert's search starts there instead of at the
  // top of a skip list of tens of thousands of entries (about 250 bytes of
  // the memtable's arena per transcript written in it; only for inserts
  // that are not concurrent, and the store's never are). Not the wrapped
  // keys: one insert per transcript, where a hint saves nothing.
  rocksdb::ColumnFamilyOptions transcripts_opts = point_opts;
  transcripts_opts.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<TranscriptHint>(HintedKeyBytes(Column::kTranscripts));

  // The expiry index (keys epoch | id, new ones in the latest epochs, read
  // by range) has a level 1 of one file while it is under 64 MiB, which
  // every compaction of level 0 rewrites: the same trigger as above.
  rocksdb::ColumnFamilyOptions expiry_opts = cf_opts;
  expiry_opts.level0_file_num_compaction_trigger = kRandomKeysLevel0Files;

  // Most of the bytes written, in memtables of their own size (store.h).
  rocksdb::ColumnFamilyOptions messages_opts = cf_opts;
  messages_opts.write_buffer_size = kMessagesMemtableBytes;
  messages_opts.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<TranscriptHint>(HintedKeyBytes(Column::kMessages));

  // Counters (the default column) and statistics are merged by addition.
  // Their memtables take nothing but merge operands, about ten a closed
  // chat for the statistics and three a transcript for the counters, and
  // are not read while chats are written: the counters only at start, once
  // recovery has flushed the memtables, and the statistics by each
  // GET /v1/statistics (analysts, admins, auditors). A vector memtable
  // appends each operand, where a skip list searches for its place, and is
  // sorted when it is flushed; a read of the live memtable sorts a copy of
  // it. About 45 µs less of vaultd's CPU per chat with the statistics on
  // (docs/performance.md section 10.14). A vector takes no concurrent
  // inserts, and the store's never are (allow_concurrent_memtable_write
  // above); max_successive_merges stays 0, or every merge would read it.
  rocksdb::ColumnFamilyOptions counter_opts = cf_opts;
  counter_opts.merge_operator = std::make_shared<CounterAddOperator>();
  counter_opts.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();

  auto options_of = [&](Column c) -> const rocksdb::ColumnFamilyOptions& {
    switch (c) {
      case Column::kVisitorIndex: return index_opts;
      case Column::kStatistics: return counter_opts;
      case Column::kTranscripts: return transcripts_opts;
      case Column::kWrappedKeys: return point_opts;
      case Column::kExpiryIndex: return expiry_opts;
      case Column::kMessages: return messages_opts;
      default: return cf_opts;
    }
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (int i = 0; i < kNumColumns; ++i) {
    const Column c = static_cast<Column>(i);
    descs.emplace_back(ColumnName(c), options_of(c));
  }
  descs.emplace_back(rocksdb::kDefaultColumnFamilyName, counter_opts);

  auto rep = std::make_unique<Rep>();
  rep->statistics = std::move(statistics);
  rep->health = std::move(health);
  rep->resume_interval = settings.resume_interval;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_opts, dir, descs, &rep->handles, &db)
      : FileExists(dir + "/CURRENT") ? rocksdb::DB::Open(db_opts, dir, descs, &rep->handles, &db)
                                     : CreateStore(db_opts, dir, descs, &rep->handles, &db);
  if (!s.ok()) return FromRocks(s, "cannot open the store");
  rep->db.reset(db);
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

StatusOr<std::string> Store::Get(Column c, std::string_view key) const {
  std::string value;
  rocksdb::Status s = rep_->db->Get(rocksdb::ReadOptions(), rep_->cf(c), S(key), &value);
  if (s.IsNotFound()) return Status::NotFound("no such key");
  if (!s.ok()) return FromRocks(s, "read failed");
  return value;
}

Status Store::Write(WriteBatch* batch, bool sync) {
  return WriteAll(std::span<WriteBatch* const>(&batch, 1), sync);
}

Status Store::WriteAll(std::span<WriteBatch* const> batches, bool sync) {
  if (batches.empty()) return Status::OK();
  if (rep_->Fault(Op::kWrite)) {
    rep_->failed_writes.fetch_add(1, std::memory_order_relaxed);
    return InjectedFault();
  }
  // RocksDB takes an inverted range into a batch and fails it half-way
  // through the memtable insert, after the WAL write, leaving the database in
  // an error state: refused here, before anything is written.
  for (const WriteBatch* batch : batches) {
    for (const auto& op : batch->rep_->ops) {
      if (op.kind != 2) continue;
      const std::string_view begin = batch->rep_->A(op);
      if (batch->rep_->B(op) < begin) {
        return Status::InvalidArgument("a range delete ends before it begins", "inverted_range");
      }
      // See TranscriptHint: such a range deletion would take a point
      // entry's insert hint in RocksDB 7.8.
      const size_t hinted = HintedKeyBytes(op.c);
      if (hinted != 0 && begin.size() >= hinted) {
        return Status::InvalidArgument(
            std::string("a range delete in ") + ColumnName(op.c) +
                " must begin with a key shorter than its insert hints' keys",
            "hinted_range");
      }
    }
  }
  // Several batches go into the first one's RocksDB batch: one write, one
  // sync, all or nothing.
  rocksdb::WriteBatch& wb = batches[0]->rep_->batch;
  wb.Clear();
  for (const WriteBatch* batch : batches) {
    const WriteBatch::Rep& r = *batch->rep_;
    for (const auto& op : r.ops) {
      rocksdb::Status s;
      const rocksdb::Slice a = S(r.A(op));
      const rocksdb::Slice b = S(r.B(op));
      if (op.kind == 0) s = wb.Put(rep_->cf(op.c), a, b);
      else if (op.kind == 1) s = wb.Delete(rep_->cf(op.c), a);
      else if (op.kind == 2) s = wb.DeleteRange(rep_->cf(op.c), a, b);
      else if (op.kind == 4) s = wb.Merge(rep_->cf(op.c), a, b);
      else s = wb.Merge(rep_->counters(), a, b);
      if (!s.ok()) return FromRocks(s, "cannot build write batch");
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rep_->MaybeResume();
  if (Status usable = rep_->CheckWal(); !usable.ok()) {
    rep_->failed_writes.fetch_add(1, std::memory_order_relaxed);
    return usable;
  }
  const uint64_t wal_errors = rep_->health->wal_write_errors();
  const auto start = std::chrono::steady_clock::now();
  const rocksdb::Status s = rep_->db->Write(wo, &wb);
  if (!s.ok()) {
    if (rep_->health->wal_write_errors() != wal_errors) {
      rep_->failed_wal.store(rep_->CurrentWal(), std::memory_order_release);
    }
    rep_->failed_writes.fetch_add(1, std::memory_order_relaxed);
  } else if (sync) {
    rep_->synced_writes.Record(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
  }
  return FromRocks(s, "write failed");
}

StatusOr<int64_t> Store::ReadCounter(std::string_view name) const {
  std::string value;
  const rocksdb::Status s =
      rep_->db->Get(rocksdb::ReadOptions(), rep_->counters(), CounterKey(name), &value);
  if (s.IsNotFound()) return int64_t{0};
  if (!s.ok()) return FromRocks(s, "cannot read counter");
  if (value.size() != kCounterBytes) return Status::Corruption("counter has the wrong length");
  return static_cast<int64_t>(GetU64(value.data()));
}

Status Store::Scan(Column c, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // whatever the column's prefix extractor
  // The least key after every key with the prefix: the prefix without its
  // trailing 0xff bytes, its last byte then one higher (none if it is all
  // 0xff or empty). With it RocksDB stops at the prefix's end instead of
  // stepping to the next key, which may be in another block or file, or
  // behind deleted entries.
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty())
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  const rocksdb::Slice upper_slice = S(upper);
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(c)));
  for (it->Seek(S(prefix)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (!k.starts_with(S(prefix))) break;
    const rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan failed");
}

Status Store::ScanPrefixes(
    Column c, const std::vector<std::string>& prefixes,
    const std::function<bool(size_t, std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  // Each seek stays within its prefix, so RocksDB may consult the prefix
  // Bloom filter (visitor index) and skip a file or memtable that cannot
  // hold it. Only for prefixes of the extractor's length: a shorter one
  // would not be in its domain, so total order is kept for it.
  bool all_full = true;
  for (const std::string& p : prefixes) all_full = all_full && p.size() == kVisitorIndexPrefixBytes;
  ro.prefix_same_as_start = c == Column::kVisitorIndex && all_full;
  ro.total_order_seek = !ro.prefix_same_as_start;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(c)));
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const rocksdb::Slice prefix = S(prefixes[i]);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      if (!k.starts_with(prefix)) break;
      const rocksdb::Slice v = it->value();
      if (!fn(i, std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) {
        return FromRocks(it->status(), "scan failed");
      }
    }
    if (!it->status().ok()) break;
  }
  return FromRocks(it->status(), "scan failed");
}

StatusOr<std::string> Store::LastKey(Column c, std::string_view below) const {
  rocksdb::ReadOptions ro;
  const rocksdb::Slice upper = S(below);
  if (!below.empty()) ro.iterate_upper_bound = &upper;
  ro.total_order_seek = true;  // whatever the column's prefix extractor
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(c)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "scan failed");
  if (!it->Valid()) return Status::NotFound("empty");
  return it->key().ToString();
}

Status Store::ScanRange(Column c, std::string_view begin, std::string_view end,
                        const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // whatever the column's prefix extractor
  const rocksdb::Slice upper = S(end);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(c)));
  for (it->Seek(S(begin)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan failed");
}

Status Store::FlushAndCompact() {
  if (rep_->Fault(Op::kCompact)) return InjectedFault();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  // Every family, the counters' default one included: one unflushed memtable
  // anywhere keeps every WAL file since its oldest entry alive.
  for (rocksdb::ColumnFamilyHandle* handle : rep_->handles) {
    VAULT_RETURN_IF_ERROR(FromRocks(rep_->db->Flush(fo, handle), "flush failed"));
  }
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (rocksdb::ColumnFamilyHandle* handle : rep_->handles) {
    VAULT_RETURN_IF_ERROR(
        FromRocks(rep_->db->CompactRange(co, handle, nullptr, nullptr), "compaction failed"));
  }
  // A new MANIFEST begins with the table set as it was before the change
  // that opened it: the one the compactions above opened still names the
  // tables they removed, with their first and last keys. One more change
  // (flushing a tombstone of a key never written) opens a MANIFEST that
  // names only live tables; the full scan that follows deletes the old
  // ones, and the WAL files every memtable above no longer needs.
  rocksdb::ColumnFamilyHandle* counters = rep_->handles[kNumColumns];
  VAULT_RETURN_IF_ERROR(FromRocks(
      rep_->db->Delete(rocksdb::WriteOptions(), counters, S(kManifestRollKey)), "write failed"));
  VAULT_RETURN_IF_ERROR(FromRocks(rep_->db->Flush(fo, counters), "flush failed"));
  VAULT_RETURN_IF_ERROR(FromRocks(rep_->db->FlushWAL(true), "WAL sync failed"));
  VAULT_RETURN_IF_ERROR(FromRocks(rep_->db->DisableFileDeletions(), "cannot purge old files"));
  // Not forced: a checkpoint under way keeps its own hold on deletions (the
  // purge then runs when it ends).
  return FromRocks(rep_->db->EnableFileDeletions(/*force=*/false), "cannot purge old files");
}

Status Store::CreateCheckpoint(const std::string& dir) {
  if (rep_->Fault(Op::kCheckpoint)) return InjectedFault();
  rocksdb::Checkpoint* raw = nullptr;
  VAULT_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(rep_->db.get(), &raw),
                                  "cannot start a checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: always flush, so the copy needs no WAL replay.
  return FromRocks(checkpoint->CreateCheckpoint(dir, 0), "cannot create the checkpoint");
}

void Store::InjectFaultsForTesting(Op op, int count) {
  rep_->faults[static_cast<int>(op)].store(count);
}

Store::Stats Store::GetStats() const {
  Stats st;
  for (int i = 0; i < kNumColumns; ++i) {
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(rep_->handles[i], rocksdb::DB::Properties::kLiveSstFilesSize, &v)) {
      st.live_data_bytes += v;
    }
  }
  for (rocksdb::ColumnFamilyHandle* handle : rep_->handles) {
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(handle, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) {
      st.sst_bytes += v;
    }
    if (rep_->db->GetIntProperty(handle, rocksdb::DB::Properties::kCompactionPending, &v)) {
      st.background_work += v;
    }
    if (rep_->db->GetIntProperty(handle, rocksdb::DB::Properties::kMemTableFlushPending, &v)) {
      st.background_work += v;
    }
  }
  for (const std::string* running : {&rocksdb::DB::Properties::kNumRunningCompactions,
                                     &rocksdb::DB::Properties::kNumRunningFlushes}) {
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(*running, &v)) st.background_work += v;
  }
  rocksdb::VectorLogPtr wal_files;
  if (rep_->db->GetSortedWalFiles(wal_files).ok()) {
    for (const auto& file : wal_files) {
      if (file->Type() == rocksdb::kAliveLogFile) st.wal_bytes += file->SizeFileBytes();
    }
  }
  st.synced_writes = rep_->synced_writes.Snapshot();
  st.failed_writes = rep_->failed_writes.load(std::memory_order_relaxed);
  st.wal_syncs = rep_->statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  st.flush_write_bytes = rep_->statistics->getTickerCount(rocksdb::FLUSH_WRITE_BYTES);
  st.compact_write_bytes = rep_->statistics->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
  st.read_only = rep_->health->stopped();
  st.background_errors = rep_->health->errors();
  st.recoveries = rep_->health->recoveries();
  return st;
}

bool Store::read_only() const { return rep_->health->stopped(); }

}  // namespace vault
