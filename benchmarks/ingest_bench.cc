// ingest_bench: durable ingest throughput of a real vaultd, against raw
// RocksDB synced writes measured in the same run on the same file system.
//
//   vault, 1 writer     one client appending 1 KiB messages (HTTP over the
//                       Unix socket; each 201 means fsynced)
//   vault, N writers    N clients, one transcript each, at once
//   rocksdb, 1 thread   Put of a 1 KiB value with WriteOptions::sync = true
//   rocksdb, N threads  the same from N threads; rocksdb::Statistics counts
//                       WAL syncs, so syncs per write shows the sharing
//
// N writers vs 1 writer shows group commit; vault vs raw RocksDB at N shows
// what the HTTP, JSON, crypto and per-transcript state cost on top.
//
// Usage: ingest_bench [--seconds S] [--writers N] [--dir DIR] [--vaultd PATH]
//                     [--vaultd-workers W] [--count-syncs yes]
// --count-syncs counts vaultd's fsync/fdatasync calls with `perf stat` on the
// syscall tracepoints (root or kernel.perf_event_paranoid <= 1).
// DIR (default: the current directory) must be on the disk being measured;
// a tmpfs makes fsync free and the figures meaningless. Not run by ctest.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <signal.h>
#include <spawn.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/vault_bench/bench_util.h"
#include "vault/client.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using vault::bench::Die;
using vault::bench::Vaultd;
constexpr size_t kValueBytes = 1024;
constexpr uint32_t kTmpfsMagic = 0x01021994;

struct Config {
  double seconds = 3;
  int writers = 64;
  std::string dir = ".";
  std::string vaultd = VAULTD_PATH;
  std::string vaultd_workers;  // empty: vaultd's default
  bool count_syncs = false;    // count vaultd's fsync calls with perf(1)
};

struct Result {
  uint64_t writes = 0;
  double seconds = 0;
  double p50_us = 0, p99_us = 0;
  uint64_t syncs = 0;        // WAL syncs (raw RocksDB) or fsync calls (vaultd, --count-syncs)
  double server_cpu_us = 0;  // vaultd CPU time per message
  double rate() const { return writes / seconds; }
};

// On each of `threads` threads, calls `body(thread)` (setup, untimed) for a
// write function, then, once all are ready, calls it until `seconds` pass.
// Counts the writes and their latencies.
template <typename Body>
Result RunThreads(int threads, double seconds, Body body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::vector<uint32_t>> latencies(threads);
  std::vector<std::thread> pool;
  Clock::time_point start, deadline;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto write = body(t);  // setup, untimed
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      while (Clock::now() < deadline) {
        const auto before = Clock::now();
        write();
        latencies[t].push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - before).count()));
      }
    });
  }
  while (ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now();
  deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true);
  for (std::thread& thread : pool) thread.join();
  Result result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<uint32_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  result.writes = all.size();
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    result.p50_us = all[all.size() / 2];
    result.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return result;
}

// A 1 KiB printable value; `salt` makes values differ.
std::string Payload(uint64_t salt) { return vault::bench::Payload(kValueBytes, salt); }

// ---- raw RocksDB baseline ----

Result RawRocksDb(const std::string& path, int threads, double seconds) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kNoCompression;
  options.statistics = rocksdb::CreateDBStatistics();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) Die("open " + path + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value = Payload(7);
  Result result = RunThreads(threads, seconds, [&](int t) {
    return [&, t, n = uint64_t{0}]() mutable {
      char key[16];
      std::snprintf(key, sizeof(key), "%04d%011llu", t, static_cast<unsigned long long>(n++));
      rocksdb::WriteOptions wo;
      wo.sync = true;
      rocksdb::Status w = db->Put(wo, rocksdb::Slice(key, 15), value);
      if (!w.ok()) Die("put: " + w.ToString());
    };
  });
  result.syncs = options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  db->Close();
  return result;
}

// ---- vaultd ----

// User + system CPU time of process `pid`, in microseconds.
double CpuMicros(pid_t pid) { return vault::bench::ReadProcStats(pid).cpu_seconds * 1e6; }

// Counts fsync and fdatasync calls of a process with `perf stat` on the
// syscall tracepoints (needs root or perf_event_paranoid <= 1).
class SyncCounter {
 public:
  SyncCounter(pid_t target, const std::string& out) : out_(out) {
    std::vector<std::string> args = {
        "perf", "stat",
        "-x",   ",",
        "-o",   out,
        "-e",   "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync",
        "-p",   std::to_string(target)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "perf", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it attach
  }
  // Stops perf; the number of calls counted, or -1 if perf failed.
  long long Stop() {
    if (pid_ < 0) return -1;
    kill(pid_, SIGINT);
    waitpid(pid_, nullptr, 0);
    std::ifstream file(out_);
    long long total = 0;
    bool any = false;
    for (std::string line; std::getline(file, line);) {
      if (line.find("syscalls:sys_enter_") == std::string::npos) continue;
      char* end = nullptr;
      const long long n = std::strtoll(line.c_str(), &end, 10);
      if (end == line.c_str()) return -1;  // "<not supported>"
      total += n;
      any = true;
    }
    return any ? total : -1;
  }

 private:
  std::string out_;
  pid_t pid_ = -1;
};

Result VaultWriters(const Vaultd& daemon, int writers, const Config& config,
                    const std::string& perf_out) {
  const std::string text = Payload(11);
  std::unique_ptr<SyncCounter> counter;
  if (config.count_syncs) counter = std::make_unique<SyncCounter>(daemon.pid(), perf_out);
  const double cpu_before = CpuMicros(daemon.pid());
  Result result = RunThreads(writers, config.seconds, [&](int) {
    auto client = vault::Client::Connect(daemon.socket());
    if (!client.ok()) Die("connect: " + client.status().ToString());
    auto created = (*client)->CreateTranscript({"bench", {}});
    if (!created.ok()) Die("create: " + created.status().ToString());
    vault::Message message;
    message.from = "visitor";
    message.text = text;
    message.sent_at = "2026-11-22T10:00:00Z";
    return [c = std::shared_ptr<vault::Client>(std::move(client).value()), id = created->id,
            message]() mutable {
      auto appended = c->AppendMessage(id, message);
      if (!appended.ok() || *appended != vault::AppendOutcome::kStored) {
        Die("append: " + appended.status().ToString());
      }
      ++message.seq;
    };
  });
  result.server_cpu_us = (CpuMicros(daemon.pid()) - cpu_before) / result.writes;
  if (counter != nullptr) {
    const long long syncs = counter->Stop();
    if (syncs < 0) std::fprintf(stderr, "warning: perf could not count vaultd's fsyncs\n");
    result.syncs = syncs < 0 ? 0 : static_cast<uint64_t>(syncs);
  }
  return result;
}

// ---- main ----

void Print(const char* name, const Result& r) {
  std::printf("%-22s %9.0f msg/s  %8llu writes in %.2f s  p50 %7.0f us  p99 %7.0f us", name,
              r.rate(), static_cast<unsigned long long>(r.writes), r.seconds, r.p50_us, r.p99_us);
  if (r.server_cpu_us > 0) std::printf("  vaultd cpu %.0f us/msg", r.server_cpu_us);
  if (r.syncs > 0) {
    std::printf("  %llu syncs (%.2f writes/sync)", static_cast<unsigned long long>(r.syncs),
                static_cast<double>(r.writes) / r.syncs);
  }
  std::printf("\n");
}

Config ParseArgs(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value for " + flag);
    const std::string value = argv[++i];
    if (flag == "--seconds") {
      c.seconds = std::atof(value.c_str());
    } else if (flag == "--writers") {
      c.writers = std::atoi(value.c_str());
    } else if (flag == "--dir") {
      c.dir = value;
    } else if (flag == "--vaultd") {
      c.vaultd = value;
    } else if (flag == "--vaultd-workers") {
      c.vaultd_workers = value;
    } else if (flag == "--count-syncs") {
      c.count_syncs = value == "yes";
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (c.seconds <= 0 || c.writers < 1) Die("--seconds and --writers must be positive");
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  std::string templ = config.dir + "/ingest-bench-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) Die("mkdtemp in " + config.dir);
  const std::string scratch = std::filesystem::absolute(templ).string();
  struct statfs fs {};
  if (statfs(scratch.c_str(), &fs) == 0 && static_cast<uint32_t>(fs.f_type) == kTmpfsMagic) {
    std::fprintf(stderr, "warning: %s is on tmpfs; fsync costs nothing there\n", scratch.c_str());
  }
  std::printf("durable ingest, %zu-byte messages, %.1f s per phase, scratch %s, %u cpus\n",
              kValueBytes, config.seconds, scratch.c_str(), std::thread::hardware_concurrency());
  const int n = config.writers;
  const std::string many = std::to_string(n);

  const Result raw1 = RawRocksDb(scratch + "/raw1", 1, config.seconds);
  Print("rocksdb, 1 thread", raw1);
  const Result rawn = RawRocksDb(scratch + "/rawn", n, config.seconds);
  Print(("rocksdb, " + many + " threads").c_str(), rawn);
  Result vault1, vaultn;
  {
    std::vector<std::string> flags;
    if (!config.vaultd_workers.empty()) flags = {"--workers", config.vaultd_workers};
    Vaultd daemon(config.vaultd, scratch + "/vault", flags);
    vault1 = VaultWriters(daemon, 1, config, scratch + "/perf1.txt");
    Print("vault, 1 writer", vault1);
    vaultn = VaultWriters(daemon, n, config, scratch + "/perfn.txt");
    Print(("vault, " + many + " writers").c_str(), vaultn);
  }
  std::printf("group commit: vault %s writers / 1 writer = %.1fx (rocksdb %s / 1 = %.1fx)\n",
              many.c_str(), vaultn.rate() / vault1.rate(), many.c_str(), rawn.rate() / raw1.rate());
  std::printf("overhead: vault / rocksdb at 1 = %.2f, at %s = %.2f\n", vault1.rate() / raw1.rate(),
              many.c_str(), vaultn.rate() / rawn.rate());
  std::filesystem::remove_all(scratch);
  return 0;
}
