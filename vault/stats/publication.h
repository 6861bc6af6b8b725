// Publication: the tables of one service and one completed period, from its
// day counts, with every cell below the threshold k suppressed and enough
// others hidden that none can be worked out (docs/design.md, "Statistics",
// for the argument; vault/stats/disclosure.h for the engine).
//
// Periods nest strictly (day, week of a month, month, quarter, year), and a
// period's publication is a function of its own days and of the
// publications of the periods inside it, never of later data: a week is
// decided alone, a month with its four weeks' decisions fixed, and so on.
// So publishing a period can never change what was published before, and
// every publication is checked against everything published inside it.
//
// Thread safety: pure functions.
#ifndef VAULT_STATS_PUBLICATION_H_
#define VAULT_STATS_PUBLICATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "vault/clock.h"
#include "vault/options.h"
#include "vault/statistics.h"
#include "vault/stats/day_counts.h"
#include "vault/status.h"

namespace vault::stats {

struct Period {
  enum class Kind { kWeek, kMonth, kQuarter, kYear };
  Kind kind = Kind::kMonth;
  int year = 1970;
  int month = 1;    // 1-12 (week, month)
  int quarter = 1;  // 1-4 (quarter)
  int week = 1;     // 1-4 (week): days 1-7, 8-14, 15-21, 22 to the month's end
};

// "2026-11-w2", "2026-11", "2026-q4", "2026" (years 1970 to 9999);
// InvalidArgument "invalid_period" otherwise.
StatusOr<Period> ParsePeriod(std::string_view text);
std::string PeriodName(const Period& p);
const char* PeriodKindName(Period::Kind kind);
int32_t FirstDay(const Period& p);  // days since 1970-01-01
int32_t LastDay(const Period& p);   // inclusive
// The periods directly inside `p` (none for a week).
std::vector<Period> Children(const Period& p);
// The first day of p's year: publication reads the counts from there.
int32_t YearStart(const Period& p);

// The day counts of one service, by day, for [YearStart(p), LastDay(p)].
using DayCountsByDay = std::map<int32_t, CellCounts>;

// The report of `p`. FailedPrecondition "unprotectable" should the engine
// find no safe publication (it always can by suppressing everything new;
// this would mean a bug).
StatusOr<StatisticsReport> Publish(const StatisticsOptions& options, std::string_view service,
                                   const Period& p, const DayCountsByDay& days);

// True once `p` may be published at `now`: its last day has ended (in the
// offset) and StatisticsOptions::publish_delay_ms has passed since.
bool Publishable(const StatisticsOptions& options, const Period& p, UnixMillis now);

}  // namespace vault::stats

#endif  // VAULT_STATS_PUBLICATION_H_
