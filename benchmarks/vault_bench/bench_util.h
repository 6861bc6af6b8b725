// Shared pieces of vault-bench: latency records, /proc readings, a vaultd
// child process, a once-a-second progress line. ingest_bench uses the vaultd
// child, the payloads, the /proc readings and Die too (library
// vault_bench_util, benchmarks/CMakeLists.txt).
//
// Thread safety: a Latencies belongs to one thread until Merge; Progress
// counters are atomics read by its own thread.
#ifndef VAULT_BENCHMARKS_VAULT_BENCH_BENCH_UTIL_H_
#define VAULT_BENCHMARKS_VAULT_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vault::bench {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what);

// Printable bytes; `salt` makes payloads differ.
std::string Payload(size_t bytes, uint64_t salt);

// Latencies in microseconds.
struct Summary {
  uint64_t count = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};
Summary Summarize(std::vector<uint32_t> all);
std::vector<uint32_t> Merge(const std::vector<std::vector<uint32_t>>& per_thread);
inline uint32_t MicrosSince(SteadyClock::time_point start) {
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count());
}

// From /proc/<pid>/stat and /proc/<pid>/status.
struct ProcStats {
  double cpu_seconds = 0;  // user + system
  uint64_t rss_kib = 0;    // VmRSS
  uint64_t hwm_kib = 0;    // VmHWM: peak resident set size
};
ProcStats ReadProcStats(pid_t pid);
// User + system seconds of this process's threads whose names begin with
// `name_prefix` ("rocksdb:" for RocksDB's flush and compaction threads).
double OwnThreadsCpuSeconds(std::string_view name_prefix);
// User + system CPU of this whole process so far, in seconds.
double ProcessCpuSeconds();

// A vaultd started by vault-bench in its own socket directory, stopped with
// SIGTERM on destruction. Ready once GET /v1/health answers 200.
class Vaultd {
 public:
  Vaultd(const std::string& binary, const std::string& data_dir,
         const std::vector<std::string>& extra_args);
  ~Vaultd();
  Vaultd(const Vaultd&) = delete;
  Vaultd& operator=(const Vaultd&) = delete;
  const std::string& socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  // Seconds from spawn until the health check first answered.
  double ready_seconds() const { return ready_seconds_; }
  // SIGTERM, and waits for it to exit; the destructor then does nothing.
  void Stop();

 private:
  pid_t pid_ = -1;
  std::string socket_dir_, socket_;
  double ready_seconds_ = 0;
};

// Counts operations from many threads and prints one line a second to
// stderr: rates since the last line and, if `pid` > 0, vaultd's CPU use and
// resident set size.
class Progress {
 public:
  Progress(std::string phase, pid_t pid);
  ~Progress();  // stops the printing thread
  std::atomic<uint64_t> writes{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> errors{0};

 private:
  void Loop();
  const std::string phase_;
  const pid_t pid_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Runs `threads` threads; each calls make(t) (untimed setup) for a function
// `bool op()` and then calls op() until the deadline or until it returns
// false. Returns the wall-clock seconds of the timed part.
template <typename Make>
double RunTimed(int threads, double seconds, Make make) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  SteadyClock::time_point deadline;
  std::mutex mu;
  std::condition_variable cv;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto op = make(t);
      {
        std::unique_lock<std::mutex> lock(mu);
        ready.fetch_add(1);
        cv.notify_all();
        cv.wait(lock, [&] { return go.load(); });
      }
      while (SteadyClock::now() < deadline) {
        if (!op()) break;
      }
    });
  }
  SteadyClock::time_point start;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready.load() == threads; });
    start = SteadyClock::now();
    deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                           std::chrono::duration<double>(seconds));
    go.store(true);
  }
  cv.notify_all();
  for (std::thread& thread : pool) thread.join();
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace vault::bench

#endif  // VAULT_BENCHMARKS_VAULT_BENCH_BENCH_UTIL_H_
