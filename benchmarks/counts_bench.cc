// What a day count or a counter costs RocksDB's memtable, in a skip list
// against a vector (docs/performance.md section 10.14): the question behind
// vector memtables for the store's two columns that take nothing but merge
// operands, the statistics (about ten day counts a closed chat) and the
// counters (RocksDB's default family).
//
// One RocksDB directory with two column families that differ only in their
// memtable: the store's counter options otherwise (8-byte counts merged by
// addition, 4 MiB memtables, no compression, a 32 MiB block cache). Batches
// of --per-batch merge operands, each to one of --cells keys shaped like
// the statistics' (service, day, table, row, column), are written with the
// WAL off, so that what is timed is the memtable and what RocksDB does
// after it (flushes, and the sort of a vector at a flush), not the disk;
// first to one family, then to the other, then both again in the other
// order, so that drift shows. The process's CPU time, every thread's, is
// taken around each run (a run's compactions are finished, untimed, before
// the next). Then the cost of one read of a live memtable of
// --live operands (a seek and the scan of one day, as a statistics query
// does), which a vector pays by copying and sorting the memtable.
//
// Usage: counts_bench [--operands N] [--per-batch N] [--cells N] [--live N]
//                     [--reads N] [--dir DIR]
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/rocksdb_bench.h"

namespace {

using vault::bench::Check;
using vault::bench::Die;

constexpr char kUsage[] =
    "usage: counts_bench [--operands N] [--per-batch N] [--cells N] [--live N] [--reads N] "
    "[--dir DIR]";

std::string BigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
  return out;
}

uint64_t FromBigEndian(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The store's counter merge: 8-byte big-endian counts, added.
class AddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& operand,
             std::string* merged, rocksdb::Logger*) const override {
    if (operand.size() != 8 || (existing != nullptr && existing->size() != 8)) return false;
    const uint64_t base = existing == nullptr ? 0 : FromBigEndian(existing->data());
    *merged = BigEndian(base + FromBigEndian(operand.data()));
    return true;
  }
  const char* Name() const override { return "counts_bench.Add"; }
};

// The beginning of a day's keys: one of four services, and a day.
std::string DayPrefix(size_t service_day) {
  std::string k = "helpline-" + std::to_string(service_day % 4);
  k.push_back('\0');
  return k + BigEndian(0x80000000ull + 20000 + service_day / 4).substr(4);
}

// A key shaped like a day count's: service, day, table, row, column.
std::string CellKey(size_t service_day, size_t cell) {
  std::string k = DayPrefix(service_day);
  k += "table-" + std::to_string(cell % 8);
  k.push_back('\0');
  k += "row-" + std::to_string(cell);
  k.push_back('\0');
  return k;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Run {
  double wall_ns = 0;  // per operand
  double cpu_ns = 0;   // per operand, every thread of the process
};

struct Bench {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // skip list, vector
  size_t operands = 0, per_batch = 0, cells = 0;
  uint64_t next = 0;  // operands written so far, over every run

  Run Write(rocksdb::ColumnFamilyHandle* family) {
    rocksdb::WriteOptions no_wal;
    no_wal.disableWAL = true;
    rocksdb::WriteBatch batch;
    const std::string one = BigEndian(1);
    const double cpu = CpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < operands; ++i, ++next) {
      // Operands of a batch go to different cells, as a chat's do.
      Check(batch.Merge(family, CellKey(next / 100000, (next * 7) % cells), one), "merge");
      if (batch.Count() == per_batch || i + 1 == operands) {
        Check(db->Write(no_wal, &batch), "write");
        batch.Clear();
      }
    }
    Check(db->Flush(rocksdb::FlushOptions(), family), "flush");
    Run r;
    r.wall_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
        static_cast<double>(operands);
    r.cpu_ns = (CpuSeconds() - cpu) * 1e9 / static_cast<double>(operands);
    // Untimed: the compactions the run's flushes started end here, so that
    // none runs into the next run's CPU time.
    Check(db->CompactRange(rocksdb::CompactRangeOptions(), family, nullptr, nullptr), "compact");
    return r;
  }

  // The counts in `family`, summed over every key: what was written to it.
  uint64_t Total(rocksdb::ColumnFamilyHandle* family) {
    uint64_t sum = 0;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() != 8) Die("a count of the wrong size");
      sum += FromBigEndian(it->value().data());
    }
    Check(it->status(), "scan");
    return sum;
  }
};

}  // namespace

int main(int argc, char** argv) {
  size_t operands = 2000000, per_batch = 10, cells = 40, live = 50000, reads = 20;
  std::string dir = "/tmp";
  vault::bench::ParseFlags(argc, argv, "counts_bench", kUsage,
                           {{"--operands", &operands},
                            {"--per-batch", &per_batch},
                            {"--cells", &cells},
                            {"--live", &live},
                            {"--reads", &reads}},
                           &dir);
  const std::string path = vault::bench::MakeScratch(dir);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // As the store's: the leader of a write group inserts every batch (and a
  // vector memtable takes no concurrent inserts).
  db_options.allow_concurrent_memtable_write = false;
  rocksdb::ColumnFamilyOptions counts;
  counts.write_buffer_size = 4 << 20;
  counts.compression = rocksdb::kNoCompression;
  counts.merge_operator = std::make_shared<AddOperator>();
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  counts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions vector = counts;
  vector.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  const std::vector<rocksdb::ColumnFamilyDescriptor> descs = {
      {rocksdb::kDefaultColumnFamilyName, counts}, {"skiplist", counts}, {"vector", vector}};
  Bench b;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  Check(rocksdb::DB::Open(db_options, path, descs, &handles, &b.db), "open");
  std::unique_ptr<rocksdb::DB> db(b.db);
  b.families = {handles[1], handles[2]};
  b.operands = operands;
  b.per_batch = per_batch;
  b.cells = cells;

  std::printf("counts_bench: %zu operands a run in batches of %zu, %zu cells a day\n", operands,
              per_batch, cells);
  std::printf("%-10s %18s %22s\n", "memtable", "ns per operand", "CPU ns per operand");
  const char* names[] = {"skip list", "vector"};
  Run sum[2];
  for (int i : {0, 1, 1, 0}) {
    const Run r = b.Write(b.families[i]);
    sum[i].wall_ns += r.wall_ns / 2;
    sum[i].cpu_ns += r.cpu_ns / 2;
    std::printf("%-10s %18.0f %22.0f\n", names[i], r.wall_ns, r.cpu_ns);
  }
  for (int i : {0, 1}) {
    if (b.Total(b.families[i]) != 2 * operands) Die(std::string(names[i]) + " lost counts");
  }
  std::printf("vector against skip list: %.2fx the time, %.2fx the CPU\n",
              sum[1].wall_ns / sum[0].wall_ns, sum[1].cpu_ns / sum[0].cpu_ns);

  // A read of a live memtable: a statistics query's seek and scan of one
  // day, with `live` operands in the memtable and the rest flushed.
  std::printf("a read of one day with %zu operands in the live memtable:\n", live);
  const std::string day_begin = DayPrefix(0);
  for (int i : {0, 1}) {
    rocksdb::ColumnFamilyHandle* f = b.families[i];
    rocksdb::WriteBatch batch;
    const std::string one = BigEndian(1);
    for (size_t n = 0; n < live; ++n) {
      Check(batch.Merge(f, CellKey(n % 4, (n * 7) % cells), one), "merge");
      if (batch.Count() == per_batch || n + 1 == live) {
        rocksdb::WriteOptions no_wal;
        no_wal.disableWAL = true;
        Check(db->Write(no_wal, &batch), "write");
        batch.Clear();
      }
    }
    std::string n_live;
    if (!db->GetProperty(f, "rocksdb.num-entries-active-mem-table", &n_live)) {
      Die("no memtable entry count");
    }
    const auto start = std::chrono::steady_clock::now();
    size_t seen = 0;
    for (size_t r = 0; r < reads; ++r) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), f));
      for (it->Seek(day_begin); it->Valid() && it->key().starts_with(day_begin); it->Next()) {
        ++seen;
      }
      Check(it->status(), "scan");
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count() /
        static_cast<double>(reads);
    if (seen == 0) Die("a read found no counts");
    std::printf("%-10s %10.0f us per read (%s operands in the live memtable)\n", names[i], us,
                n_live.c_str());
  }
  for (auto* h : handles) Check(db->DestroyColumnFamilyHandle(h), "close");
  db.reset();
  vault::bench::RemoveScratch();
  return 0;
}
