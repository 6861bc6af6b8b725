// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests of GET /metrics: every line must be a "# HELP" / "# TYPE" comment or
// `name{label="value",...} value`; every sample must belong to a family whose
// TYPE came before it; a family's lines must be contiguous; no sample may
// repeat.
#ifndef VAULT_TESTS_SUPPORT_EXPOSITION_H_
#define VAULT_TESTS_SUPPORT_EXPOSITION_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/client.h"
#include "vault/status.h"

namespace vault::testing {

using Labels = std::map<std::string, std::string>;

struct MetricSample {
  std::string name;
  Labels labels;
  double value = 0;
};

struct Exposition {
  std::vector<MetricSample> samples;
  std::map<std::string, std::string> types;  // family name -> counter, gauge, histogram...

  // The value of the sample `name` with exactly `labels`, if present.
  std::optional<double> Find(std::string_view name, const Labels& labels = {}) const;
  // The value of that sample, or 0 if absent (a counter not yet incremented).
  double ValueOr0(std::string_view name, const Labels& labels = {}) const;
  // Every sample named `name`.
  std::vector<MetricSample> All(std::string_view name) const;
};

// InvalidArgument naming the line if `text` breaks a rule above.
StatusOr<Exposition> ParseExposition(std::string_view text);

// GET /metrics through `client`, parsed; the value of sample `name` with
// exactly `labels`, or 0 if absent. A failed scrape or parse is a gtest
// failure, and -1.
double ScrapeMetric(Client& client, std::string_view name, const Labels& labels = {});

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_EXPOSITION_H_
