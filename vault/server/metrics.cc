#include "vault/server/metrics.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace vault {

namespace {

// Appends `value` with every character a label value may not hold escaped.
void AppendLabelValue(std::string* out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '"') {
      *out += "\\\"";
    } else if (c == '\n') {
      *out += "\\n";
    } else {
      *out += c;
    }
  }
}

std::string Double(double value) {
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string Seconds(uint64_t micros) { return Double(static_cast<double>(micros) / 1e6); }

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

// name{labels} value, where `labels` is already rendered (may be empty).
void Sample(std::string* out, std::string_view name, std::string_view labels,
            std::string_view value) {
  *out += name;
  if (!labels.empty()) {
    *out += '{';
    *out += labels;
    *out += '}';
  }
  *out += ' ';
  *out += value;
  *out += '\n';
}

std::string Label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  AppendLabelValue(&out, value);
  out += '"';
  return out;
}

// The _bucket, _sum and _count samples of one histogram; `labels` may be
// empty.
void Histogram(std::string* out, std::string_view name, const std::string& labels,
               const HistogramSnapshot& h) {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    cumulative += h.counts[i];
    const std::string le = i < kLatencyBucketsMicros.size()
                               ? Double(static_cast<double>(kLatencyBucketsMicros[i]) / 1e6)
                               : "+Inf";
    Sample(out, bucket, prefix + Label("le", le), std::to_string(cumulative));
  }
  Sample(out, std::string(name) + "_sum", labels, Seconds(h.sum_micros));
  Sample(out, std::string(name) + "_count", labels, std::to_string(cumulative));
}

}  // namespace

ServerMetrics::ServerMetrics(std::function<size_t()> open_connections,
                             std::function<std::vector<size_t>()> by_io_thread)
    : open_connections_(std::move(open_connections)),
      by_io_thread_(std::move(by_io_thread)),
      start_time_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) {}

void ServerMetrics::RecordRequest(std::string_view route, unsigned status, int64_t latency_us) {
  MutexLock lock(&mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats()).first;
  it->second.by_status[status] += 1;
  it->second.latency.Add(latency_us);
}

void ServerMetrics::RecordRejectedConnection(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMaxConnections:
      rejected_max_connections_.fetch_add(1, std::memory_order_relaxed);
      return;
    case RejectReason::kMaxConnectionsPerUid:
      rejected_max_connections_per_uid_.fetch_add(1, std::memory_order_relaxed);
      return;
    case RejectReason::kNoPeerCredentials:
      rejected_no_peer_credentials_.fetch_add(1, std::memory_order_relaxed);
      return;
  }
}

void ServerMetrics::RecordTimeout(TimeoutPhase phase) {
  timeouts_[static_cast<size_t>(phase)].fetch_add(1, std::memory_order_relaxed);
}

std::string ServerMetrics::Render(const VaultMetrics& vault) const {
  std::string out;
  Family(&out, "vault_build_info", "gauge", "The version of the running vaultd (value always 1).");
  Sample(&out, "vault_build_info", Label("version", VAULT_VERSION), "1");
  Family(&out, "vault_start_time_seconds", "gauge",
         "When this vaultd started, in seconds since the Unix epoch.");
  Sample(&out, "vault_start_time_seconds", "",
         Double(static_cast<double>(start_time_ms_) / 1000.0));

  {
    MutexLock lock(&mu_);
    Family(&out, "vault_http_requests_total", "counter",
           "HTTP requests answered, by route template and status code.");
    for (const auto& [route, stats] : routes_) {
      for (const auto& [status, count] : stats.by_status) {
        Sample(&out, "vault_http_requests_total",
               Label("route", route) + "," + Label("status", std::to_string(status)),
               std::to_string(count));
      }
    }
    Family(&out, "vault_http_request_duration_seconds", "histogram",
           "Time from a request read in full to its response written, by route template.");
    for (const auto& [route, stats] : routes_) {
      Histogram(&out, "vault_http_request_duration_seconds", Label("route", route), stats.latency);
    }
  }

  Family(&out, "vault_http_connections_open", "gauge", "Client connections open now.");
  Sample(&out, "vault_http_connections_open", "", std::to_string(open_connections_()));
  Family(&out, "vault_io_thread_connections", "gauge",
         "Client connections open now, by the I/O thread that serves them (a new one goes to "
         "the thread with the fewest).");
  const std::vector<size_t> by_io_thread = by_io_thread_();
  for (size_t i = 0; i < by_io_thread.size(); ++i) {
    Sample(&out, "vault_io_thread_connections", Label("io_thread", std::to_string(i)),
           std::to_string(by_io_thread[i]));
  }
  Family(&out, "vault_http_connections_rejected_total", "counter",
         "Connections closed at once on accept, by reason.");
  Sample(&out, "vault_http_connections_rejected_total", Label("reason", "max_connections"),
         std::to_string(rejected_max_connections_.load(std::memory_order_relaxed)));
  Sample(&out, "vault_http_connections_rejected_total", Label("reason", "max_connections_per_uid"),
         std::to_string(rejected_max_connections_per_uid_.load(std::memory_order_relaxed)));
  Sample(&out, "vault_http_connections_rejected_total", Label("reason", "no_peer_credentials"),
         std::to_string(rejected_no_peer_credentials_.load(std::memory_order_relaxed)));
  Family(&out, "vault_http_connections_timed_out_total", "counter",
         "Connections closed because a deadline passed, by the step that took too long.");
  constexpr std::string_view kPhaseNames[kTimeoutPhases] = {"idle", "header", "body", "write"};
  for (size_t i = 0; i < kTimeoutPhases; ++i) {
    Sample(&out, "vault_http_connections_timed_out_total", Label("phase", kPhaseNames[i]),
           std::to_string(timeouts_[i].load(std::memory_order_relaxed)));
  }
  Family(&out, "vault_event_streams_open", "gauge", "Event feeds (GET /v1/events) open now.");
  Sample(&out, "vault_event_streams_open", "",
         std::to_string(event_streams_open_.load(std::memory_order_relaxed)));
  Family(&out, "vault_events_sent_total", "counter",
         "Events written to event feeds, each counted once per feed it went to.");
  Sample(&out, "vault_events_sent_total", "",
         std::to_string(events_sent_.load(std::memory_order_relaxed)));
  Family(&out, "vault_event_resets_total", "counter",
         "Reset events written to feeds: readers that had to reconcile (a restart, or events "
         "dropped before they were read).");
  Sample(&out, "vault_event_resets_total", "",
         std::to_string(event_resets_.load(std::memory_order_relaxed)));

  Family(&out, "vault_transcripts", "gauge",
         "Transcripts in the store by state (open, closed, held on legal hold); closed ones count "
         "until their ciphertext is purged.");
  Sample(&out, "vault_transcripts", Label("state", "open"), std::to_string(vault.open_transcripts));
  Sample(&out, "vault_transcripts", Label("state", "closed"),
         std::to_string(vault.closed_transcripts));
  Sample(&out, "vault_transcripts", Label("state", "held"), std::to_string(vault.held_transcripts));
  Family(&out, "vault_store_bytes", "gauge",
         "Bytes of the store on disk: SST files and live write-ahead-log files.");
  Sample(&out, "vault_store_bytes", Label("kind", "sst"), std::to_string(vault.sst_bytes));
  Sample(&out, "vault_store_bytes", Label("kind", "wal"), std::to_string(vault.wal_bytes));
  Family(&out, "vault_store_background_jobs", "gauge",
         "Flushes and compactions of the store running, plus one per part of the store "
         "with a flush or a compaction waiting.");
  Sample(&out, "vault_store_background_jobs", "", std::to_string(vault.store_background_jobs));
  Family(&out, "vault_store_synced_write_duration_seconds", "histogram",
         "Latency of each store write acknowledged after fsync; _count is the number of them.");
  Histogram(&out, "vault_store_synced_write_duration_seconds", "", vault.synced_writes);
  Family(&out, "vault_store_wal_syncs_total", "counter",
         "fsyncs of the store's write-ahead log; concurrent writes share them.");
  Sample(&out, "vault_store_wal_syncs_total", "", std::to_string(vault.wal_syncs));
  Family(&out, "vault_appends_queued_total", "counter",
         "Appends written through the group committer (a chat's next message).");
  Sample(&out, "vault_appends_queued_total", "", std::to_string(vault.queued_appends));
  Family(&out, "vault_append_groups_total", "counter",
         "Synced writes of the group committer; queued appends share them.");
  Sample(&out, "vault_append_groups_total", "", std::to_string(vault.append_groups));
  Family(&out, "vault_append_commit_duration_seconds", "histogram",
         "For each queued append, the time from its queueing to its group's synced write "
         "returning (or failing): the group commit's share of its latency.");
  Histogram(&out, "vault_append_commit_duration_seconds", "", vault.append_commits);
  Family(&out, "vault_open_transcripts_cached", "gauge",
         "Open transcripts whose key and state are kept in memory between appends.");
  Sample(&out, "vault_open_transcripts_cached", "", std::to_string(vault.cached_open_transcripts));
  Family(&out, "vault_store_write_errors_total", "counter", "Store writes that failed.");
  Sample(&out, "vault_store_write_errors_total", "", std::to_string(vault.failed_writes));
  Family(&out, "vault_store_read_only", "gauge",
         "1 while the store refuses writes after a background error (a full disk); it "
         "resumes by itself once it can.");
  Sample(&out, "vault_store_read_only", "", vault.store_read_only ? "1" : "0");
  Family(&out, "vault_store_background_errors_total", "counter",
         "Background errors of the store (failed flushes, compactions, WAL writes).");
  Sample(&out, "vault_store_background_errors_total", "",
         std::to_string(vault.store_background_errors));
  Family(&out, "vault_store_recoveries_total", "counter",
         "Times the store resumed writes after a background error.");
  Sample(&out, "vault_store_recoveries_total", "", std::to_string(vault.store_recoveries));
  Family(&out, "vault_storage_free_bytes", "gauge",
         "Bytes free on the data directory's file system, measured at most once a second.");
  Sample(&out, "vault_storage_free_bytes", "", std::to_string(vault.storage_free_bytes));
  Family(&out, "vault_storage_reserve_bytes", "gauge",
         "Free space kept in reserve: below it new transcripts are refused (507), below half "
         "of it appends too.");
  Sample(&out, "vault_storage_reserve_bytes", "", std::to_string(vault.storage_reserve_bytes));
  Family(&out, "vault_store_compaction_errors_total", "counter",
         "Compactions (after an erasure or a purge) that failed; the next retention run retries.");
  Sample(&out, "vault_store_compaction_errors_total", "",
         std::to_string(vault.compaction_failures));
  auto seconds = [](int64_t ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ms) / 1000.0);
    return std::string(text);
  };
  Family(&out, "vault_retention_last_shred_timestamp_seconds", "gauge",
         "When the shredder last destroyed epoch keys (Unix time; 0: not since start).");
  Sample(&out, "vault_retention_last_shred_timestamp_seconds", "", seconds(vault.last_shred_at_ms));
  Family(&out, "vault_retention_last_run_timestamp_seconds", "gauge",
         "When the shredder last ran (Unix time); it runs every tick with no traffic.");
  Sample(&out, "vault_retention_last_run_timestamp_seconds", "",
         seconds(vault.last_retention_run_ms));
  Family(&out, "vault_retention_base_epoch", "gauge", "Oldest epoch whose key still exists.");
  Sample(&out, "vault_retention_base_epoch", "", std::to_string(vault.base_epoch));
  Family(&out, "vault_retention_shredded_total", "counter",
         "Transcripts whose key was destroyed since vaultd started.");
  Sample(&out, "vault_retention_shredded_total", "", std::to_string(vault.shredded_total));
  Family(&out, "vault_retention_overdue_transcripts", "gauge",
         "Transcripts whose key outlived its epoch by more than one tick; must be 0 "
         "(-1: could not be counted).");
  Sample(&out, "vault_retention_overdue_transcripts", "",
         std::to_string(vault.overdue_transcripts));
  Family(&out, "vault_retention_damaged_records", "gauge",
         "Records the last retention scans skipped as damaged (audited as retention.damaged); "
         "should be 0.");
  Sample(&out, "vault_retention_damaged_records", "", std::to_string(vault.retention_damaged));
  Family(&out, "vault_rights_requests_open", "gauge",
         "Visitors' rights requests registered and not yet answered.");
  Sample(&out, "vault_rights_requests_open", "", std::to_string(vault.rights_requests_open));
  Family(&out, "vault_rights_requests_overdue", "gauge",
         "Open visitors' rights requests past their due date (should be 0).");
  Sample(&out, "vault_rights_requests_overdue", "", std::to_string(vault.rights_requests_overdue));
  Family(&out, "vault_cases_at_threshold", "gauge",
         "Open legal-hold cases with exactly as many active share holders as their threshold: "
         "one officer's departure from stranded. Reshare them (docs/safeguarding.md).");
  Sample(&out, "vault_cases_at_threshold", "", std::to_string(vault.cases_at_threshold));
  Family(&out, "vault_cases_stranded", "gauge",
         "Open legal-hold cases with fewer active share holders than their threshold: no request "
         "of them can be approved any more. Should be 0.");
  Sample(&out, "vault_cases_stranded", "", std::to_string(vault.cases_stranded));
  return out;
}

}  // namespace vault
