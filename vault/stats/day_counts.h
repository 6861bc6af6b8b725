// Day counts: what one closed chat, or one monitoring form, adds to its
// service's statistics, and how those counts are keyed in the store's
// statistics column (docs/formats/rocksdb-schema.md, "statistics").
//
// A count is keyed by service, day and cell, never by anything of one
// transcript: no id, no visitor field, no time finer than the day. The day
// is the one on which the count was added (the chat's close, the form's
// submission), in StatisticsOptions::utc_offset_minutes, so that a period
// that has ended never changes again. Hour of day and weekday are those of
// the chat's start.
//
// Thread safety: pure functions.
#ifndef VAULT_STATS_DAY_COUNTS_H_
#define VAULT_STATS_DAY_COUNTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/options.h"
#include "vault/statistics.h"
#include "vault/status.h"

namespace vault::stats {

// A cell of a day's counts: table, row and column ("" when the table has
// one column). Tables as in include/vault/statistics.h, plus "chats" and
// "forms" (one cell each: the day's totals); "hour_weekday" is kept by
// hour ("00" to "23") and weekday ("Mon" to "Sun") and banded when
// published.
struct Cell {
  std::string table;
  std::string row;
  std::string column;
  auto operator<=>(const Cell&) const = default;
};

using CellCounts = std::map<Cell, int64_t>;

enum class DeviceClass { kMobile, kTablet, kDesktop, kUnknown };
const char* DeviceClassName(DeviceClass d);
// From the chat platform's device field when it names a class (mobile,
// phone, tablet, desktop, laptop, computer, pc), else from the user agent
// (iPad/Tablet; Mobi/iPhone/Android; Windows/Macintosh/X11/CrOS), else
// unknown.
DeviceClass ClassifyDevice(const std::optional<std::string>& device,
                           const std::optional<std::string>& user_agent);

// The facts of one chat at its close.
struct ClosedChat {
  UnixMillis created_at = 0;
  UnixMillis closed_at = 0;
  uint64_t visitor_messages = 0;
  uint64_t agent_messages = 0;
  uint64_t system_messages = 0;
  // From the start to the first agent message; nullopt: no agent replied.
  std::optional<int64_t> first_reply_ms;
  bool returning = false;  // the visitor has another transcript of the service
  DeviceClass device = DeviceClass::kUnknown;
};

// Called with each cell a closed chat adds to and what it adds (one, or a
// message count, which may be 0), each cell once. The views are valid only
// during the call.
using CellSink = std::function<void(std::string_view table, std::string_view row,
                                    std::string_view column, int64_t n)>;
// The cells a closed chat adds one (or its message counts) to, handed to
// `add` one by one: the close stages them with no map and no string of
// its own (docs/performance.md section 10.26).
void ForEachChatCell(const StatisticsOptions& options, const ClosedChat& chat, const CellSink& add);
// The same cells, collected.
CellCounts ChatCells(const StatisticsOptions& options, const ClosedChat& chat);

// Checks a monitoring form against the configured questions:
// InvalidArgument "no_answers" (empty), "too_many_answers",
// "unknown_question", "unknown_answer", "duplicate_question".
Status ValidateAnswers(const StatisticsOptions& options, const MonitoringAnswers& form);
// The cells a (valid) form adds one to: "forms", and each answer given.
CellCounts FormCells(const StatisticsOptions& options, const MonitoringAnswers& form);

// The label of band i of `bounds` (durations): "under 5m", "5m to 15m",
// ..., "1h or more".
std::string BandLabel(const std::vector<int64_t>& bounds, size_t i);
// The band a duration falls in.
size_t BandOf(const std::vector<int64_t>& bounds, int64_t ms);
// The label of hour band i of `starts`: "00-06", ..., "21-24".
std::string HourBandLabel(const std::vector<int>& starts, size_t i);

// Days since 1970-01-01 in the offset; the weekday (0 Monday .. 6 Sunday)
// and hour of an instant in the offset.
int32_t LocalDay(UnixMillis t, int32_t offset_minutes);
int Weekday(int32_t day);
int LocalHour(UnixMillis t, int32_t offset_minutes);
extern const char* const kWeekdayNames[7];  // "Mon" .. "Sun"
// Civil dates: days since 1970-01-01 <-> year, month (1-12), day (1-31).
int32_t DaysFromCivil(int year, unsigned month, unsigned day);
void CivilFromDays(int32_t days, int* year, unsigned* month, unsigned* day);
std::string DayName(int32_t day);  // "2026-11-08"

// Store keys: service | 0x00 | day (4 bytes BE, offset by 2^31) | table |
// 0x00 | row | 0x00 | column. Service names never hold 0x00 and labels are
// checked not to.
std::string CellKey(std::string_view service, int32_t day, const Cell& cell);
std::string DayPrefix(std::string_view service, int32_t day);
// Appends table | 0x00 | row | 0x00 | column to a day's prefix.
void AppendCell(std::string* key, std::string_view table, std::string_view row,
                std::string_view column);
bool ParseCellKey(std::string_view key, std::string* service, int32_t* day, Cell* cell);

}  // namespace vault::stats

#endif  // VAULT_STATS_DAY_COUNTS_H_
