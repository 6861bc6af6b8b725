// Statistics: the anonymous service figures the vault keeps after the
// transcripts are gone (docs/design.md, "Statistics"; docs/statistics.md for
// the person who prepares funder reports).
//
// What is published: for one service and one completed period, a list of
// one-way tables of counts (a chat counts once in each table whose total is
// "chats"). Cells below the threshold k, and cells hidden so that no cell
// below k can be worked out from totals, sums over sub-periods or any other
// published table, are suppressed: std::nullopt here, null in JSON, "<k" in
// CSV and reports. A suppressed cell is never shown as zero.
//
// Periods nest: a week is a block of days of one month (days 1-7, 8-14,
// 15-21 and 22 to the month's end: four weeks a month), a month a third of
// a quarter, a quarter a fourth of a year. Names: "2026-11-w2", "2026-11",
// "2026-q4", "2026".
//
// Thread safety: plain values; copy freely.
#ifndef VAULT_STATISTICS_H_
#define VAULT_STATISTICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vault {

// One published table: rows x columns cells of counts, and its total.
// Names of the tables a report holds, in this order (docs/api.md):
//   "chats_by_week"  rows: the period's weeks ("2026-11-w1", ...), or its
//                    days ("2026-11-08", ...) for a week; column "chats"
//   "agent_reply"    rows "replied", "not_replied"; total: chats
//   "first_reply"    rows: time to first agent reply bands; total: replied
//   "duration"       rows: duration bands; total: chats
//   "returning"      rows "new", "returning"; total: chats
//   "device"         rows "mobile", "tablet", "desktop", "unknown"; total: chats
//   "messages"       rows "visitor", "agent", "system"; total: messages
//   "hour_weekday"   rows: hour-of-day bands ("00-06", ...); columns
//                    "Mon" ... "Sun"; total: chats
//   "question:ID"    one per monitoring question: rows its answers, then
//                    "no_answer"; total: forms submitted
struct StatisticsTable {
  std::string name;
  std::string title;  // for people: "Chats per week", the question's text
  std::vector<std::string> rows;
  std::vector<std::string> columns;
  // cells[row][column]; nullopt: suppressed.
  std::vector<std::vector<std::optional<int64_t>>> cells;
  std::optional<int64_t> total;  // nullopt: suppressed
  bool operator==(const StatisticsTable&) const = default;
};

struct StatisticsReport {
  std::string service;
  std::string period;     // "2026-11-w2", "2026-11", "2026-q4" or "2026"
  std::string kind;       // "week", "month", "quarter" or "year"
  std::string first_day;  // "2026-11-01"
  std::string last_day;   // "2026-11-30", inclusive
  std::string utc_offset; // the offset days and hours are counted in, "+01:00"
  int64_t threshold = 10; // k
  std::vector<StatisticsTable> tables;
  bool operator==(const StatisticsReport&) const = default;
};

struct StatisticsQuery {
  std::string service;
  std::string period;
};

// A visitor's answers to the monitoring form: question id -> answer, each
// as the configuration declares them. Questions left out are "no_answer".
struct MonitoringAnswers {
  std::vector<std::pair<std::string, std::string>> answers;
};

}  // namespace vault

#endif  // VAULT_STATISTICS_H_
