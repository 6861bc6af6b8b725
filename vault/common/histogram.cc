#include "vault/common/histogram.h"

#include <algorithm>

namespace vault {

size_t LatencyBucketFor(int64_t micros) {
  const auto it =
      std::lower_bound(kLatencyBucketsMicros.begin(), kLatencyBucketsMicros.end(), micros);
  return static_cast<size_t>(it - kLatencyBucketsMicros.begin());
}

uint64_t HistogramSnapshot::Count() const {
  uint64_t n = 0;
  for (uint64_t c : counts) n += c;
  return n;
}

void HistogramSnapshot::Add(int64_t micros) {
  if (micros < 0) micros = 0;
  counts[LatencyBucketFor(micros)] += 1;
  sum_micros += static_cast<uint64_t>(micros);
}

void LatencyHistogram::Record(int64_t micros) {
  if (micros < 0) micros = 0;
  counts_[LatencyBucketFor(micros)].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
}

HistogramSnapshot LatencyHistogram::Snapshot() const {
  HistogramSnapshot snapshot;
  for (size_t i = 0; i < counts_.size(); ++i) {
    snapshot.counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  snapshot.sum_micros = sum_micros_.load(std::memory_order_relaxed);
  return snapshot;
}

}  // namespace vault
