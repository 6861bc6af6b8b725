#include "vault/storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <vector>

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

}  // namespace

const char* ColumnName(Column c) {
  switch (c) {
    case Column::kTranscripts: return "transcripts";
    case Column::kMessages: return "messages";
    case Column::kWrappedKeys: return "wrapped_keys";
    case Column::kExpiryIndex: return "expiry_index";
  }
  return "unknown";
}

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  // Filled in by Store::Write; ops record column + args until then.
  struct Op { int kind; Column c; std::string a, b; };
  std::vector<Op> ops;
};

WriteBatch::WriteBatch() : rep_(new Rep) {}
WriteBatch::~WriteBatch() = default;
void WriteBatch::Put(Column c, std::string_view k, std::string_view v) {
  rep_->ops.push_back({0, c, std::string(k), std::string(v)});
}
void WriteBatch::Delete(Column c, std::string_view k) {
  rep_->ops.push_back({1, c, std::string(k), {}});
}
void WriteBatch::DeleteRange(Column c, std::string_view b, std::string_view e) {
  rep_->ops.push_back({2, c, std::string(b), std::string(e)});
}
size_t WriteBatch::Count() const { return rep_->ops.size(); }

struct Store::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // index = Column; [kNumColumns] = default
  rocksdb::ColumnFamilyHandle* cf(Column c) const { return handles[static_cast<int>(c)]; }
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
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.paranoid_checks = true;
  db_opts.recycle_log_file_num = 0;  // recycled WAL files would keep old bytes around
  db_opts.keep_log_file_num = 5;
  db_opts.max_manifest_file_size = 64 << 20;
  db_opts.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_opts.IncreaseParallelism(2);

  rocksdb::ColumnFamilyOptions cf_opts;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_opts.write_buffer_size = 16 << 20;
  cf_opts.compression = rocksdb::kNoCompression;  // values are ciphertext

  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (int i = 0; i < kNumColumns; ++i) {
    descs.emplace_back(ColumnName(static_cast<Column>(i)), cf_opts);
  }
  descs.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_opts);

  auto rep = std::make_unique<Rep>();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, dir, descs, &rep->handles, &db);
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
  rocksdb::WriteBatch& wb = batch->rep_->batch;
  wb.Clear();
  for (const auto& op : batch->rep_->ops) {
    rocksdb::Status s;
    if (op.kind == 0) s = wb.Put(rep_->cf(op.c), S(op.a), S(op.b));
    else if (op.kind == 1) s = wb.Delete(rep_->cf(op.c), S(op.a));
    else s = wb.DeleteRange(rep_->cf(op.c), S(op.a), S(op.b));
    if (!s.ok()) return FromRocks(s, "cannot build write batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(rep_->db->Write(wo, &wb), "write failed");
}

Status Store::Scan(Column c, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(c)));
  for (it->Seek(S(prefix)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (!k.starts_with(S(prefix))) break;
    const rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan failed");
}

Status Store::ScanRange(Column c, std::string_view begin, std::string_view end,
                        const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
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
  rocksdb::FlushOptions fo;
  fo.wait = true;
  for (int i = 0; i < kNumColumns; ++i) {
    VAULT_RETURN_IF_ERROR(FromRocks(rep_->db->Flush(fo, rep_->handles[i]), "flush failed"));
  }
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (int i = 0; i < kNumColumns; ++i) {
    VAULT_RETURN_IF_ERROR(FromRocks(
        rep_->db->CompactRange(co, rep_->handles[i], nullptr, nullptr), "compaction failed"));
  }
  // Old WAL files are released once every memtable they back is flushed.
  return FromRocks(rep_->db->FlushWAL(true), "WAL sync failed");
}

Status Store::CreateCheckpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  VAULT_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(rep_->db.get(), &raw),
                                  "cannot start a checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: always flush, so the copy needs no WAL replay.
  return FromRocks(checkpoint->CreateCheckpoint(dir, 0), "cannot create the checkpoint");
}

Store::Stats Store::GetStats() const {
  Stats st;
  for (int i = 0; i < kNumColumns; ++i) {
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(rep_->handles[i], rocksdb::DB::Properties::kLiveSstFilesSize, &v)) {
      st.live_data_bytes += v;
    }
  }
  return st;
}

}  // namespace vault
