// Metrics: numbers about a running vault, for monitoring.
//
// Nothing here carries transcript content, transcript ids or visitor data:
// only counts, sizes and latencies. vaultd exposes them at GET /metrics in
// the Prometheus text format (docs/operations.md lists every metric).
//
// Latency histograms share one set of bucket bounds. A HistogramSnapshot is a
// plain value copied out of a live histogram; its counts are per bucket (not
// cumulative), the last bucket counting everything above the largest bound.
#ifndef VAULT_METRICS_H_
#define VAULT_METRICS_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace vault {

// Inclusive upper bounds of the latency buckets, in microseconds
// (100 us .. 10 s).
inline constexpr std::array<int64_t, 16> kLatencyBucketsMicros = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
inline constexpr size_t kLatencyBuckets = kLatencyBucketsMicros.size() + 1;

struct HistogramSnapshot {
  std::array<uint64_t, kLatencyBuckets> counts{};  // per bucket; last: above every bound
  uint64_t sum_micros = 0;

  // The number of observations: the sum of `counts`.
  uint64_t Count() const;
  // Adds one observation (not thread-safe; see vault/common/histogram.h for
  // the concurrent histogram).
  void Add(int64_t micros);
};

// The index of the bucket that holds an observation of `micros`.
size_t LatencyBucketFor(int64_t micros);

struct VaultMetrics {
  // Transcripts created and not yet closed, and closed ones not yet purged
  // (an expired transcript counts until its ciphertext is purged).
  uint64_t open_transcripts = 0;
  uint64_t closed_transcripts = 0;
  // Closed transcripts on legal hold (counted here, not in closed).
  uint64_t held_transcripts = 0;
  // Bytes of the store on disk: SST files (RocksDB's total-sst-files-size)
  // and live write-ahead-log files.
  uint64_t sst_bytes = 0;
  uint64_t wal_bytes = 0;
  // The store's flushes and compactions: those running, plus one for each
  // column family with a flush waiting and one for each with a compaction
  // waiting (RocksDB's num-running-*, *-pending properties).
  uint64_t store_background_jobs = 0;
  // Every write acknowledged only after fsync, with its latency. Concurrent
  // writes may share one fsync (group commit), counted in wal_syncs.
  HistogramSnapshot synced_writes;
  uint64_t failed_writes = 0;  // store writes that returned an error
  uint64_t wal_syncs = 0;      // fsyncs of the write-ahead log
  // Appends answered through the group committer (docs/design.md section
  // 7.3), the synced writes they took, and the open transcripts whose key
  // and state are kept between appends now.
  uint64_t queued_appends = 0;
  uint64_t append_groups = 0;
  // For each queued append, from its queueing to its group's synced write
  // returning (or failing): the wait for the group in flight and its own.
  HistogramSnapshot append_commits;
  uint64_t cached_open_transcripts = 0;
  // True while the store refuses writes after a background error (a full
  // disk), until it recovers by itself; the background errors and the
  // recoveries since start.
  bool store_read_only = false;
  uint64_t store_background_errors = 0;
  uint64_t store_recoveries = 0;
  // The data directory's file system: bytes free (as last measured, at most
  // a second ago; 2^64-1 if it cannot be measured) and the configured reserve
  // (Options::storage_reserve_bytes).
  uint64_t storage_free_bytes = 0;
  uint64_t storage_reserve_bytes = 0;
  // Retention (docs/retention.md): the last run that destroyed keys (0:
  // none since start), the oldest epoch whose key exists, transcripts
  // shredded since start, and keys that outlived their epoch by more than a
  // tick (must stay 0; -1 when it could not be counted).
  int64_t last_shred_at_ms = 0;
  int64_t last_retention_run_ms = 0;
  uint64_t base_epoch = 0;
  uint64_t shredded_total = 0;
  int64_t overdue_transcripts = 0;
  // Records retention skipped as damaged (RetentionStatus::damaged).
  uint64_t retention_damaged = 0;
  // Compactions that failed (after an erasure or a purge); each is retried by
  // the next retention run.
  uint64_t compaction_failures = 0;
  // Visitors' requests in the rights register (docs/data-protection.md):
  // open ones, and open ones past their due time (should be 0).
  uint64_t rights_requests_open = 0;
  uint64_t rights_requests_overdue = 0;
  // Open legal-hold cases with exactly as many active share holders as
  // their threshold (one departure from stranded), and with fewer
  // (stranded: never openable or releasable again). Both should be 0.
  uint64_t cases_at_threshold = 0;
  uint64_t cases_stranded = 0;
};

}  // namespace vault

#endif  // VAULT_METRICS_H_
