// ServerMetrics: what vaultd counts about its HTTP traffic, and the
// Prometheus text exposition (format 0.0.4) of that and the Vault's metrics,
// served at GET /metrics.
//
// Labels are drawn only from fixed sets: route templates (never a raw path,
// which would carry a transcript id), HTTP status codes, rejection reasons,
// transcript states. No metric carries content, ids or visitor data.
// docs/operations.md lists every metric.
//
// A request's count and latency are recorded under one lock and rendered
// under it, so in every scrape the _count of a route's latency histogram
// equals the sum of its request counters.
//
// Thread safety: every method may be called from any thread.
#ifndef VAULT_SERVER_METRICS_H_
#define VAULT_SERVER_METRICS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vault/common/thread_annotations.h"
#include "vault/metrics.h"

namespace vault {

// The Content-Type of the exposition.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class RejectReason { kMaxConnections, kMaxConnectionsPerUid, kNoPeerCredentials };

// Which deadline of a connection passed (see session.h).
enum class TimeoutPhase { kIdle, kHeader, kBody, kWrite };
inline constexpr size_t kTimeoutPhases = 4;

class ServerMetrics {
 public:
  // `open_connections` reports the connections open now, and
  // `by_io_thread` the sessions each I/O thread serves now; they are called
  // while rendering and must outlive this object's use.
  ServerMetrics(std::function<size_t()> open_connections,
                std::function<std::vector<size_t>()> by_io_thread);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One answered request. `route` is a route template or "-".
  void RecordRequest(std::string_view route, unsigned status, int64_t latency_us);
  // A connection closed at once on accept.
  void RecordRejectedConnection(RejectReason reason);
  // A connection closed because a deadline passed.
  void RecordTimeout(TimeoutPhase phase);
  // An event feed (GET /v1/events) began (+1) or ended (-1).
  void RecordEventStream(int delta) {
    event_streams_open_.fetch_add(delta, std::memory_order_relaxed);
  }
  // Events (resets included) written to a feed.
  void RecordEventsSent(uint64_t events, uint64_t resets) {
    events_sent_.fetch_add(events, std::memory_order_relaxed);
    event_resets_.fetch_add(resets, std::memory_order_relaxed);
  }

  // The whole exposition: the server's metrics and `vault`'s.
  std::string Render(const VaultMetrics& vault) const;

 private:
  struct RouteStats {
    std::map<unsigned, uint64_t> by_status;
    HistogramSnapshot latency;
  };

  const std::function<size_t()> open_connections_;
  const std::function<std::vector<size_t>()> by_io_thread_;
  const int64_t start_time_ms_;  // wall clock, for vault_start_time_seconds
  std::atomic<uint64_t> rejected_max_connections_{0};
  std::atomic<uint64_t> rejected_max_connections_per_uid_{0};
  std::atomic<uint64_t> rejected_no_peer_credentials_{0};
  std::atomic<uint64_t> timeouts_[kTimeoutPhases] = {};  // by TimeoutPhase
  std::atomic<int64_t> event_streams_open_{0};
  std::atomic<uint64_t> events_sent_{0};
  std::atomic<uint64_t> event_resets_{0};
  mutable Mutex mu_;
  std::map<std::string, RouteStats, std::less<>> routes_ GUARDED_BY(mu_);
};

}  // namespace vault

#endif  // VAULT_SERVER_METRICS_H_
