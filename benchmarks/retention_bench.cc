// Retention benchmark: the cost of destroying one epoch's key when that epoch
// holds 1 transcript and when it holds 100,000, in the same run, and the cost
// of the purge (delete + compaction) that follows, which is proportional to
// the data and runs after the key is already gone.
//
// Run: build/benchmarks/retention_bench [N]   (default N = 100000)
// Prints, for 1 and N transcripts: key destruction (ratchet step + durable
// keyring rewrite) in microseconds, median of 21 destructions of empty
// epochs measured beside it, and the purge time. Figures in
// docs/performance.md.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "vault/core/vault_impl.h"

namespace vault {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEpoch = 1000;
constexpr int64_t kRetention = 30 * kEpoch;

double MicrosSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

struct Result {
  size_t transcripts = 0;
  double destroy_us = 0;        // AdvanceTo over the epoch holding them
  double empty_median_us = 0;   // AdvanceTo over empty epochs, same vault
  double purge_ms = 0;          // RunRetention: purge + compaction
};

Result Measure(size_t transcripts) {
  char templ[] = "/tmp/tv-retention-bench-XXXXXX";
  if (mkdtemp(templ) == nullptr) std::abort();
  const std::string dir = templ;
  ManualClock clock(1'800'000'000'000);
  Options o;
  o.data_dir = dir + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  o.retention_tick_ms = 0;
  auto opened = VaultImpl::Open(o, &clock);
  if (!opened.ok()) std::abort();
  std::unique_ptr<VaultImpl> vault = std::move(opened).value();
  const Caller caller = Caller::Trusted("bench");

  // All transcripts created (and so expiring) within one epoch; 64
  // concurrent creators share fsyncs.
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&] {
      NewTranscript request;
      request.service = "bench";
      while (next.fetch_add(1) < transcripts) {
        if (!vault->CreateTranscript(caller, request).ok()) std::abort();
      }
    });
  }
  for (auto& thread : threads) thread.join();

  Keyring* keyring = vault->keyring();
  const uint64_t epoch = keyring->EpochOf(clock.NowMillis() + kRetention);
  Result r;
  r.transcripts = transcripts;
  // Destroy the empty epochs before it one at a time: the baseline.
  std::vector<double> empty;
  for (uint64_t e = keyring->base_epoch() + 1; e <= epoch && empty.size() < 21; ++e) {
    const auto start = Clock::now();
    if (!keyring->AdvanceTo(e).ok()) std::abort();
    empty.push_back(MicrosSince(start));
  }
  std::sort(empty.begin(), empty.end());
  r.empty_median_us = empty.empty() ? 0 : empty[empty.size() / 2];
  if (!keyring->AdvanceTo(epoch).ok()) std::abort();
  // The epoch that holds every transcript.
  const auto start = Clock::now();
  if (!keyring->AdvanceTo(epoch + 1).ok()) std::abort();
  r.destroy_us = MicrosSince(start);

  clock.Set((static_cast<int64_t>(epoch) + 1) * kEpoch);
  const auto purge_start = Clock::now();
  if (!vault->RunRetention().ok()) std::abort();
  r.purge_ms = MicrosSince(purge_start) / 1000;
  vault.reset();
  fs::remove_all(dir);
  return r;
}

}  // namespace
}  // namespace vault

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  std::printf("%12s %22s %26s %12s\n", "transcripts", "key destruction (us)",
              "empty-epoch median (us)", "purge (ms)");
  double destroy_one = 0;
  double destroy_n = 0;
  for (size_t count : {size_t{1}, n}) {
    const vault::Result r = vault::Measure(count);
    std::printf("%12zu %22.0f %26.0f %12.1f\n", r.transcripts, r.destroy_us, r.empty_median_us,
                r.purge_ms);
    (count == 1 ? destroy_one : destroy_n) = r.destroy_us;
  }
  std::printf("ratio key destruction %zu : 1 = %.2f\n", n, destroy_n / destroy_one);
  return 0;
}
