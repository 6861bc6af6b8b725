// LatencyHistogram: a latency histogram that many threads may record into
// without a lock, over the buckets of include/vault/metrics.h.
//
// Thread safety: Record and Snapshot may run concurrently. A Snapshot taken
// while others record is consistent bucket by bucket; its Count() always
// equals the sum of its buckets, while sum_micros may lag or lead by the
// observations in flight.
#ifndef VAULT_COMMON_HISTOGRAM_H_
#define VAULT_COMMON_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "vault/metrics.h"

namespace vault {

class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  void Record(int64_t micros);
  HistogramSnapshot Snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBuckets> counts_{};
  std::atomic<uint64_t> sum_micros_{0};
};

}  // namespace vault

#endif  // VAULT_COMMON_HISTOGRAM_H_
