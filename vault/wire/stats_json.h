// A statistics report on the wire (docs/api.md, "Statistics";
// include/vault/statistics.h for what the figures are).
//
//   GET /v1/statistics?service=NAME&period=P[&format=json|csv]
//     format=json (the default) → 200 application/json
//       {"service", "period", "kind", "first_day", "last_day", "utc_offset",
//        "threshold", "tables": [{"name", "title", "rows": [..],
//        "columns": [..], "cells": [[12, null, ...], ...], "total": 42|null}]}
//     format=csv → 200 text/csv (RFC 4180, CRLF line ends)
//       service,period,table,row,column,count
//       one line per cell, then one per table for its total (row "total",
//       column empty). A suppressed count is "<k" ("<10").
//
// A suppressed cell or total is null in JSON and "<k" in CSV, never 0 and
// never left out: whoever reads a report can tell "none" from "hidden".
//
// CSV is made to be opened in a spreadsheet: a field holding a comma, a
// double quote, CR or LF is quoted (quotes doubled), and a field that a
// spreadsheet would take for a formula (starting with '=', '+', '-', '@',
// TAB or CR) gets a leading apostrophe. Names and titles come from the
// vault's configuration, which the person opening the file did not write.
//
// Thread safety: pure functions.
#ifndef VAULT_WIRE_STATS_JSON_H_
#define VAULT_WIRE_STATS_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "vault/statistics.h"
#include "vault/status.h"

namespace vault::wire {

// The largest report ParseStatisticsReport reads, checked before parsing.
inline constexpr size_t kMaxStatisticsJsonBytes = size_t{4} << 20;

std::string EncodeStatisticsReport(const StatisticsReport& report);
std::string EncodeStatisticsCsv(const StatisticsReport& report);

// The reverse of EncodeStatisticsReport, for clients. Strict about what it
// reads: every field above present with its type, counts and the threshold
// integers (a count >= 0, the threshold >= 1; null only for counts), and
// "cells" exactly rows x columns. Keys it does not know are ignored, so a
// newer server's additions do not break an older client.
// ResourceExhausted "too_large" over kMaxStatisticsJsonBytes (nothing is
// parsed); InvalidArgument "invalid_json" (malformed, invalid UTF-8, nested
// too deep), "missing_field", "invalid_type", "invalid_count",
// "invalid_shape" otherwise.
StatusOr<StatisticsReport> ParseStatisticsReport(std::string_view json);

}  // namespace vault::wire

#endif  // VAULT_WIRE_STATS_JSON_H_
