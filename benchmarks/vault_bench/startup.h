// Start-up with many stored transcripts: fills a data directory through the
// Vault library in-process (the same records, keys and audit log vaultd
// writes, without the socket), then starts vaultd on it and times how long
// until GET /v1/health answers, and reads its peak resident set size.
#ifndef VAULT_BENCHMARKS_VAULT_BENCH_STARTUP_H_
#define VAULT_BENCHMARKS_VAULT_BENCH_STARTUP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vault::bench {

struct FillResult {
  uint64_t transcripts = 0;
  double seconds = 0;
};

// Adds `count` closed transcripts of `messages` messages of `message_bytes`
// each to the vault in `data_dir`, from `threads` threads.
FillResult FillVault(const std::string& data_dir, uint64_t count, int messages,
                     size_t message_bytes, int threads);

struct StartupResult {
  double ready_seconds = 0;     // spawn to first health answer
  uint64_t hwm_ready_kib = 0;   // VmHWM when ready
  uint64_t hwm_after_kib = 0;   // VmHWM after `reads` reads of random transcripts
  uint64_t reads = 0;
  uint64_t stored = 0;          // transcripts the vault reports (metrics)
  // The background builds after start (the index filter, then the presence
  // table): seconds from spawn until vaultd logged the table's rebuild,
  // and VmHWM then. 0 if it was not logged within 10 minutes.
  double built_seconds = 0;
  uint64_t hwm_built_kib = 0;
};

// How many times vaultd has logged the end of a rebuild of its presence
// table (the last of its background builds at start), ready or failed, in
// the log beside `data_dir` (bench_util.cc: appended to by every start).
struct PresenceRebuilds {
  size_t ready = 0;
  size_t failed = 0;
  size_t ended() const { return ready + failed; }
};
PresenceRebuilds PresenceRebuildsLogged(const std::string& data_dir);
// Until a rebuild has ended since `before` was read: only a line in the log
// tells, so it is read again every 100 ms. The counts then, or nullopt if
// none ended within 10 minutes of `since`.
std::optional<PresenceRebuilds> AwaitPresenceRebuild(
    const std::string& data_dir, const PresenceRebuilds& before,
    std::chrono::steady_clock::time_point since);

StartupResult TimeStartup(const std::string& vaultd, const std::string& data_dir, int reads,
                          int read_threads);

}  // namespace vault::bench

#endif  // VAULT_BENCHMARKS_VAULT_BENCH_STARTUP_H_
