// What level-0 files cost a point read, in a column of random 16-byte keys
// like the wrapped keys' or the transcripts' (docs/performance.md section
// 10.13): the question behind a higher level-0 compaction trigger for those
// columns, which would rewrite their level 1 less often at sustained peak.
//
// One RocksDB directory with the options the store gives those columns (a
// whole-key Bloom filter of 10 bits per key, a 32 MiB block cache, no
// compression, 4 MiB memtables): --keys keys of 60-byte values compacted
// into level 1, then level-0 files of --flush-keys new keys each (what a
// flush at the WAL's bound holds at peak), added with automatic compactions
// off. At 0, 4, 8 and 16 level-0 files, --gets random reads of keys in level
// 1 (every level-0 file is probed first) and as many of absent keys; the
// time per read, and its ratio to the same reads with no level-0 file, in
// the same process; then, after a compaction of everything into level 1,
// the reads with no level-0 file again, so that drift shows.
//
// Usage: level0_bench [--keys N] [--flush-keys N] [--gets N] [--dir DIR]
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmarks/rocksdb_bench.h"

namespace {

using vault::bench::Check;
using vault::bench::Die;

constexpr char kUsage[] = "usage: level0_bench [--keys N] [--flush-keys N] [--gets N] [--dir DIR]";

std::string RandomKey(std::mt19937_64& rng) {
  std::string k(16, '\0');
  for (size_t i = 0; i < k.size(); i += 8) {
    const uint64_t r = rng();
    for (size_t j = 0; j < 8; ++j) k[i + j] = static_cast<char>(r >> (8 * j));
  }
  return k;
}

struct Reads {
  double present_ns = 0;
  double absent_ns = 0;
};

Reads TimeReads(rocksdb::DB* db, const std::vector<std::string>& present,
                const std::vector<std::string>& absent) {
  std::string value;
  auto time = [&](const std::vector<std::string>& keys, bool found) {
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& k : keys) {
      const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), k, &value);
      if (found ? !s.ok() : !s.IsNotFound()) Die("a read found the wrong answer: " + s.ToString());
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
               .count() /
           static_cast<double>(keys.size());
  };
  time(present, true);  // warm the cache and the filters
  Reads r;
  r.present_ns = time(present, true);
  r.absent_ns = time(absent, false);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  size_t keys = 1000000, flush_keys = 300, gets = 200000;
  std::string dir = "/tmp";
  vault::bench::ParseFlags(argc, argv, "level0_bench", kUsage,
                           {{"--keys", &keys}, {"--flush-keys", &flush_keys}, {"--gets", &gets}},
                           &dir);
  const std::string path = vault::bench::MakeScratch(dir);

  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 4 << 20;
  options.compression = rocksdb::kNoCompression;
  options.disable_auto_compactions = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  Check(rocksdb::DB::Open(options, path, &raw), "open");
  std::unique_ptr<rocksdb::DB> db(raw);

  std::mt19937_64 rng(42);
  const std::string value(60, 'v');
  std::vector<std::string> old_keys;
  old_keys.reserve(keys);
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < keys; ++i) {
    old_keys.push_back(RandomKey(rng));
    batch.Put(old_keys.back(), value);
    if (batch.Count() == 1000 || i + 1 == keys) {
      Check(db->Write(rocksdb::WriteOptions(), &batch), "write");
      batch.Clear();
    }
  }
  Check(db->Flush(rocksdb::FlushOptions()), "flush");
  rocksdb::CompactRangeOptions all;
  all.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  Check(db->CompactRange(all, nullptr, nullptr), "compact");
  // Every key read as present is in level 1 alone.
  auto files_at = [&db](int level) {
    std::string n;
    if (!db->GetProperty("rocksdb.num-files-at-level" + std::to_string(level), &n)) {
      Die("no file count for level " + std::to_string(level));
    }
    return std::stoi(n);
  };
  if (files_at(0) != 0 || files_at(1) == 0 || files_at(2) != 0) {
    Die("the keys are not all in level 1 after the compaction");
  }

  std::vector<std::string> present, absent;
  for (size_t i = 0; i < gets; ++i) {
    present.push_back(old_keys[rng() % old_keys.size()]);
    absent.push_back(RandomKey(rng));
  }
  std::printf("level0_bench: %zu keys in level 1, level-0 files of %zu keys, %zu reads each\n",
              keys, flush_keys, gets);
  std::printf("%-14s %20s %20s\n", "level-0 files", "ns per read (found)", "ns per read (absent)");
  Reads base;
  int files = 0;
  for (int target : {0, 4, 8, 16}) {
    for (; files < target; ++files) {
      for (size_t i = 0; i < flush_keys; ++i) batch.Put(RandomKey(rng), value);
      Check(db->Write(rocksdb::WriteOptions(), &batch), "write");
      batch.Clear();
      Check(db->Flush(rocksdb::FlushOptions()), "flush");
    }
    if (files_at(0) != files) {
      Die("expected " + std::to_string(files) + " level-0 files, found " +
          std::to_string(files_at(0)));
    }
    const Reads r = TimeReads(db.get(), present, absent);
    if (files == 0) base = r;
    std::printf("%-14d %12.0f (%4.2fx) %12.0f (%4.2fx)\n", files, r.present_ns,
                r.present_ns / base.present_ns, r.absent_ns, r.absent_ns / base.absent_ns);
  }
  // The same reads with no level-0 file again: what moved without them.
  Check(db->CompactRange(all, nullptr, nullptr), "compact");
  if (files_at(0) != 0) Die("level-0 files left after the compaction");
  const Reads again = TimeReads(db.get(), present, absent);
  std::printf("%-14s %12.0f (%4.2fx) %12.0f (%4.2fx)\n", "0 (again)", again.present_ns,
              again.present_ns / base.present_ns, again.absent_ns,
              again.absent_ns / base.absent_ns);
  db.reset();
  vault::bench::RemoveScratch();
  return 0;
}
