#include "benchmarks/vault_bench/raw_baseline.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string_view>
#include <thread>

#include "vault/crypto/aead.h"
#include "vault/crypto/secret.h"
#include "vault/status.h"
#include "vault/storage/store.h"

namespace vault::bench {
namespace {

// Sizes of vaultd's records (vault/core/records.cc): a sealed message is its
// text plus about 40 bytes of encoding (seq, from, sent_at) and 40 of AEAD
// overhead; a sealed state record is about 120 bytes.
constexpr size_t kMessageOverhead = 80;
constexpr size_t kMessageEncoding = kMessageOverhead - aead::kOverhead;
constexpr size_t kStateBytes = 120;
constexpr int kReadTranscripts = 64;

std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& path,
                                     std::shared_ptr<rocksdb::Statistics>* stats,
                                     RawSizes sizes = RawSizes::kRocksDbDefaults) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kNoCompression;  // vaultd stores ciphertext uncompressed
  options.IncreaseParallelism(2);
  if (sizes == RawSizes::kVaultd) {
    options.write_buffer_size = Store::kMessagesMemtableBytes;
    options.max_total_wal_size = Store::kMaxWalBytes;
    options.bytes_per_sync = Store::kBytesPerSync;
  }
  *stats = rocksdb::CreateDBStatistics();
  options.statistics = *stats;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) Die("open " + path + ": " + s.ToString());
  return std::unique_ptr<rocksdb::DB>(raw);
}

std::string Key(char kind, uint64_t a, uint64_t b) {
  char key[40];
  const int n = std::snprintf(key, sizeof key, "%c%015llu%08llu", kind,
                              static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  return std::string(key, static_cast<size_t>(n));
}

// A read's scan of one transcript's messages: `visit(key, value)` for each
// record under the transcript's key prefix ('m' and its 15-digit number), in
// order; returns how many there were.
template <typename Visit>
int ScanTranscript(rocksdb::DB* db, uint64_t transcript, Visit visit) {
  const std::string prefix = Key('m', transcript, 0).substr(0, 16);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  int found = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next(), ++found) {
    visit(std::string_view(it->key().data(), it->key().size()),
          std::string_view(it->value().data(), it->value().size()));
  }
  return found;
}

}  // namespace

PhaseResult RawWrites(const std::string& dir, int threads, double seconds, size_t message_bytes,
                      double rate, int restart_every, RawSizes sizes) {
  std::shared_ptr<rocksdb::Statistics> stats;
  std::unique_ptr<rocksdb::DB> db = OpenRaw(dir, &stats, sizes);
  const std::string message = Payload(message_bytes + kMessageOverhead, 7);
  const std::string state = Payload(kStateBytes, 8);
  std::vector<std::vector<uint32_t>> latencies(threads);
  Progress progress("rocksdb writes x" + std::to_string(threads), 0);
  PhaseResult result;
  const double cpu_before = ProcessCpuSeconds();
  // Paced as vault-bench paces its writers (load.cc): each thread's writes
  // are due every threads / rate seconds, the threads spread over one
  // interval, and a write's latency counts from when it was due. A vault
  // writer's schedule starts again after each transcript's open (every
  // messages-per-transcript appends), which drops a backlog; so does this
  // one's, every `restart_every` writes.
  const auto interval =
      rate > 0 ? std::chrono::duration_cast<SteadyClock::duration>(
                     std::chrono::duration<double>(threads / rate))
               : SteadyClock::duration::zero();
  result.seconds = RunTimed(threads, seconds, [&](int t) {
    return [&, t, n = uint64_t{0}, next = SteadyClock::time_point{}]() mutable {
      auto start = SteadyClock::now();
      if (interval.count() > 0) {
        if (n == 0 || (restart_every > 0 && n % restart_every == 0)) {
          next = start + interval * t / threads;
        }
        // Pacing, not synchronisation: the write is due at next.
        if (next > start) std::this_thread::sleep_until(next);
        start = next;
        next += interval;
      }
      rocksdb::WriteBatch batch;
      batch.Put(Key('m', t, n), message);
      batch.Put(Key('s', t, 0), state);
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const rocksdb::Status s = db->Write(wo, &batch);
      if (!s.ok()) Die("raw write: " + s.ToString());
      latencies[t].push_back(MicrosSince(start));
      progress.writes.fetch_add(1, std::memory_order_relaxed);
      ++n;
      return true;
    };
  });
  result.cpu_seconds = ProcessCpuSeconds() - cpu_before;
  result.latency = Summarize(Merge(latencies));
  result.ops = result.latency.count;
  result.syncs = stats->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  db->Close();
  return result;
}

PhaseResult RawGroupedWrites(const std::string& dir, double seconds, size_t message_bytes,
                             int group) {
  std::shared_ptr<rocksdb::Statistics> stats;
  std::unique_ptr<rocksdb::DB> db = OpenRaw(dir, &stats);
  const std::string message = Payload(message_bytes + kMessageOverhead, 7);
  const std::string state = Payload(kStateBytes, 8);
  Progress progress("rocksdb writes in groups of " + std::to_string(group), 0);
  std::vector<std::vector<uint32_t>> latencies(1);
  PhaseResult result;
  const double cpu_before = ProcessCpuSeconds();
  result.seconds = RunTimed(1, seconds, [&](int) {
    return [&, n = uint64_t{0}]() mutable {
      const auto start = SteadyClock::now();
      rocksdb::WriteBatch batch;
      for (int i = 0; i < group; ++i, ++n) {
        // 64 chats, as with 64 writers: each message under its own key,
        // each chat's state overwritten.
        batch.Put(Key('m', n % 64, n), message);
        batch.Put(Key('s', n % 64, 0), state);
      }
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const rocksdb::Status s = db->Write(wo, &batch);
      if (!s.ok()) Die("raw grouped write: " + s.ToString());
      // One latency per message, as many as the group holds.
      const uint32_t took = MicrosSince(start);
      latencies[0].insert(latencies[0].end(), group, took);
      progress.writes.fetch_add(group, std::memory_order_relaxed);
      return true;
    };
  });
  result.cpu_seconds = ProcessCpuSeconds() - cpu_before;
  result.latency = Summarize(Merge(latencies));
  result.ops = result.latency.count;
  result.syncs = stats->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  db->Close();
  return result;
}

PhaseResult RawSyncs(const std::string& dir, double seconds) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) Die("cannot create " + dir);
  const std::string path = dir + "/syncs";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) Die("cannot open " + path);
  const std::string record = Payload(256, 7);
  std::vector<std::vector<uint32_t>> latencies(1);
  Progress progress("raw 256-byte write + fdatasync", 0);
  PhaseResult result;
  result.seconds = RunTimed(1, seconds, [&](int) {
    return [&]() {
      const auto start = SteadyClock::now();
      if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) ||
          ::fdatasync(fd) != 0) {
        Die("raw write + fdatasync failed");
      }
      latencies[0].push_back(MicrosSince(start));
      progress.writes.fetch_add(1, std::memory_order_relaxed);
      return true;
    };
  });
  ::close(fd);
  result.latency = Summarize(Merge(latencies));
  result.ops = result.latency.count;
  result.syncs = result.ops;
  return result;
}

PhaseResult RawReads(const std::string& dir, int threads, double seconds, size_t message_bytes,
                     int messages) {
  std::shared_ptr<rocksdb::Statistics> stats;
  std::unique_ptr<rocksdb::DB> db = OpenRaw(dir, &stats);
  const std::string message = Payload(message_bytes + kMessageOverhead, 9);
  for (int t = 0; t < kReadTranscripts; ++t) {
    rocksdb::WriteBatch batch;
    for (int m = 0; m < messages; ++m) batch.Put(Key('m', t, m), message);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (const rocksdb::Status s = db->Write(wo, &batch); !s.ok()) Die("raw fill: " + s.ToString());
  }
  std::vector<std::vector<uint32_t>> latencies(threads);
  Progress progress("rocksdb reads x" + std::to_string(threads), 0);
  PhaseResult result;
  result.seconds = RunTimed(threads, seconds, [&](int t) {
    return [&, t, n = uint64_t{0}]() mutable {
      const auto start = SteadyClock::now();
      std::string copy;
      const int found =
          ScanTranscript(db.get(), (t + n++) % kReadTranscripts,
                         [&](std::string_view, std::string_view value) {
                           copy.assign(value);  // as vaultd copies before opening
                         });
      if (found != messages) Die("raw read found " + std::to_string(found) + " values");
      latencies[t].push_back(MicrosSince(start));
      progress.reads.fetch_add(1, std::memory_order_relaxed);
      return true;
    };
  });
  result.latency = Summarize(Merge(latencies));
  result.ops = result.latency.count;
  db->Close();
  return result;
}

PhaseResult RawOpenedReads(const std::string& dir, int threads, double seconds,
                           size_t message_bytes, int messages, bool audited) {
  std::shared_ptr<rocksdb::Statistics> stats;
  std::unique_ptr<rocksdb::DB> db = OpenRaw(dir, &stats);
  StatusOr<SecretBytes> dek = SecretBytes::Random(aead::kKeyBytes);
  if (!dek.ok()) Die("raw opened reads: no key: " + dek.status().ToString());
  const std::string plain = Payload(message_bytes + kMessageEncoding, 9);
  for (int t = 0; t < kReadTranscripts; ++t) {
    rocksdb::WriteBatch batch;
    for (int m = 0; m < messages; ++m) {
      // Sealed under its own key as associated data, as vaultd binds each
      // record to its transcript, kind and seq.
      const std::string key = Key('m', t, m);
      std::string sealed;
      if (!aead::Seal(*dek, plain, key, &sealed).ok()) Die("raw opened reads: seal failed");
      batch.Put(key, sealed);
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (const rocksdb::Status s = db->Write(wo, &batch); !s.ok()) Die("raw fill: " + s.ToString());
  }
  stats->Reset();  // the syncs of the timed phase only
  const std::string record = Payload(256, 7);
  std::vector<std::vector<uint32_t>> latencies(threads);
  Progress progress(std::string(audited ? "rocksdb audited reads x" : "rocksdb opened reads x") +
                        std::to_string(threads),
                    0);
  PhaseResult result;
  result.seconds = RunTimed(threads, seconds, [&](int t) {
    return [&, t, n = uint64_t{0}]() mutable {
      const auto start = SteadyClock::now();
      std::string opened_text;
      const int opened =
          ScanTranscript(db.get(), (t + n) % kReadTranscripts,
                         [&](std::string_view key, std::string_view sealed) {
                           if (!aead::OpenInto(*dek, sealed, key, &opened_text).ok()) {
                             Die("raw opened read: a record failed to open");
                           }
                         });
      aead::Wipe(&opened_text);
      if (opened != messages) Die("raw opened read opened " + std::to_string(opened) + " records");
      if (audited) {
        // The read's audit record, durable before the read could answer.
        rocksdb::WriteOptions wo;
        wo.sync = true;
        const rocksdb::Status s = db->Put(wo, Key('a', t, n), record);
        if (!s.ok()) Die("raw audit write: " + s.ToString());
      }
      latencies[t].push_back(MicrosSince(start));
      progress.reads.fetch_add(1, std::memory_order_relaxed);
      ++n;
      return true;
    };
  });
  result.latency = Summarize(Merge(latencies));
  result.ops = result.latency.count;
  result.syncs = stats->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  db->Close();
  return result;
}

}  // namespace vault::bench
