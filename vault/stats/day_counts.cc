#include "vault/stats/day_counts.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "vault/common/encoding.h"
#include "vault/common/utf8.h"

namespace vault::stats {

namespace {

constexpr int64_t kMillisPerMinute = 60000;

bool ContainsWord(std::string_view text, std::string_view word) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string w(word);
  std::transform(w.begin(), w.end(), w.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find(w) != std::string::npos;
}

}  // namespace

const char* const kWeekdayNames[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

const char* DeviceClassName(DeviceClass d) {
  switch (d) {
    case DeviceClass::kMobile:
      return "mobile";
    case DeviceClass::kTablet:
      return "tablet";
    case DeviceClass::kDesktop:
      return "desktop";
    case DeviceClass::kUnknown:
      return "unknown";
  }
  return "unknown";
}

DeviceClass ClassifyDevice(const std::optional<std::string>& device,
                           const std::optional<std::string>& user_agent) {
  if (device.has_value()) {
    const std::string_view d = *device;
    if (ContainsWord(d, "tablet") || ContainsWord(d, "ipad")) return DeviceClass::kTablet;
    if (ContainsWord(d, "mobile") || ContainsWord(d, "phone")) return DeviceClass::kMobile;
    if (ContainsWord(d, "desktop") || ContainsWord(d, "laptop") || ContainsWord(d, "computer") ||
        d == "pc" || d == "PC") {
      return DeviceClass::kDesktop;
    }
  }
  if (user_agent.has_value()) {
    const std::string_view ua = *user_agent;
    if (ContainsWord(ua, "ipad") || ContainsWord(ua, "tablet")) return DeviceClass::kTablet;
    if (ContainsWord(ua, "mobi") || ContainsWord(ua, "iphone") || ContainsWord(ua, "android")) {
      return DeviceClass::kMobile;
    }
    if (ContainsWord(ua, "windows") || ContainsWord(ua, "macintosh") || ContainsWord(ua, "x11") ||
        ContainsWord(ua, "cros")) {
      return DeviceClass::kDesktop;
    }
  }
  return DeviceClass::kUnknown;
}

std::string BandLabel(const std::vector<int64_t>& bounds, size_t i) {
  if (bounds.empty()) return "any";
  if (i == 0) return "under " + FormatDuration(bounds[0]);
  if (i >= bounds.size()) return FormatDuration(bounds.back()) + " or more";
  return FormatDuration(bounds[i - 1]) + " to " + FormatDuration(bounds[i]);
}

size_t BandOf(const std::vector<int64_t>& bounds, int64_t ms) {
  return static_cast<size_t>(std::upper_bound(bounds.begin(), bounds.end(), ms) - bounds.begin());
}

std::string HourBandLabel(const std::vector<int>& starts, size_t i) {
  auto two = [](int h) {
    std::string s = std::to_string(h);
    return s.size() < 2 ? "0" + s : s;
  };
  const int from = starts[i];
  const int to = i + 1 < starts.size() ? starts[i + 1] : 24;
  return two(from) + "-" + two(to);
}

int32_t LocalDay(UnixMillis t, int32_t offset_minutes) {
  const int64_t local = t + int64_t{offset_minutes} * kMillisPerMinute;
  int64_t day = local / kMillisPerDay;
  if (local % kMillisPerDay < 0) --day;
  return static_cast<int32_t>(day);
}

int Weekday(int32_t day) {
  // 1970-01-01 was a Thursday (3, counting from Monday).
  return static_cast<int>(((int64_t{day} % 7) + 7 + 3) % 7);
}

int LocalHour(UnixMillis t, int32_t offset_minutes) {
  const int64_t local = t + int64_t{offset_minutes} * kMillisPerMinute;
  int64_t in_day = local % kMillisPerDay;
  if (in_day < 0) in_day += kMillisPerDay;
  return static_cast<int>(in_day / (3600 * kMillisPerSecond));
}

// Howard Hinnant's days_from_civil and civil_from_days.
int32_t DaysFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int>(doe) - 719468);
}

void CivilFromDays(int32_t days, int* year, unsigned* month, unsigned* day) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

std::string DayName(int32_t day) {
  int y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(day, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

void ForEachChatCell(const StatisticsOptions& options, const ClosedChat& chat,
                     const CellSink& add) {
  add("chats", "", "", 1);
  const bool replied = chat.first_reply_ms.has_value();
  add("agent_reply", replied ? "replied" : "not_replied", "", 1);
  if (replied) {
    const int64_t ms = std::max<int64_t>(0, *chat.first_reply_ms);
    add("first_reply",
        BandLabel(options.first_reply_bands_ms, BandOf(options.first_reply_bands_ms, ms)), "", 1);
  }
  const int64_t duration = std::max<int64_t>(0, chat.closed_at - chat.created_at);
  add("duration", BandLabel(options.duration_bands_ms, BandOf(options.duration_bands_ms, duration)),
      "", 1);
  add("returning", chat.returning ? "returning" : "new", "", 1);
  add("device", DeviceClassName(chat.device), "", 1);
  // Every sender row is present, so that the table's rows are the same on
  // every day (a row absent from a day is a zero anyway).
  add("messages", "visitor", "", static_cast<int64_t>(chat.visitor_messages));
  add("messages", "agent", "", static_cast<int64_t>(chat.agent_messages));
  add("messages", "system", "", static_cast<int64_t>(chat.system_messages));
  const int32_t start_day = LocalDay(chat.created_at, options.utc_offset_minutes);
  const int hour = LocalHour(chat.created_at, options.utc_offset_minutes);  // 0 to 23
  const char hh[2] = {static_cast<char>('0' + hour / 10), static_cast<char>('0' + hour % 10)};
  add("hour_weekday", std::string_view(hh, 2), kWeekdayNames[Weekday(start_day)], 1);
}

CellCounts ChatCells(const StatisticsOptions& options, const ClosedChat& chat) {
  CellCounts out;
  ForEachChatCell(
      options, chat,
      [&out](std::string_view table, std::string_view row, std::string_view column, int64_t n) {
        out[{std::string(table), std::string(row), std::string(column)}] += n;
      });
  return out;
}

Status ValidateAnswers(const StatisticsOptions& options, const MonitoringAnswers& form) {
  if (form.answers.empty()) {
    return Status::InvalidArgument("the form has no answers", "no_answers");
  }
  if (form.answers.size() > options.questions.size()) {
    return Status::InvalidArgument("more answers than the form has questions", "too_many_answers");
  }
  std::set<std::string_view> seen;
  for (const auto& given : form.answers) {
    const std::string& question = given.first;
    const std::string& answer = given.second;
    const auto q = std::find_if(options.questions.begin(), options.questions.end(),
                                [&](const MonitoringQuestion& m) { return m.id == question; });
    if (q == options.questions.end()) {
      return Status::InvalidArgument("the form has no such question", "unknown_question");
    }
    if (!seen.insert(question).second) {
      return Status::InvalidArgument("a question is answered twice", "duplicate_question");
    }
    if (std::find(q->answers.begin(), q->answers.end(), answer) == q->answers.end()) {
      return Status::InvalidArgument("the question has no such answer", "unknown_answer");
    }
  }
  return Status::OK();
}

CellCounts FormCells(const StatisticsOptions& options, const MonitoringAnswers& form) {
  CellCounts out;
  out[{"forms", "", ""}] += 1;
  // Questions left out are not stored: "no_answer" is the forms that gave
  // none, worked out when published (so a question added later is right
  // for the forms before it too).
  for (const auto& [id, answer] : form.answers) out[{"question:" + id, answer, ""}] += 1;
  (void)options;
  return out;
}

std::string DayPrefix(std::string_view service, int32_t day) {
  std::string key(service);
  key.push_back('\0');
  const uint32_t biased = static_cast<uint32_t>(static_cast<int64_t>(day) + (int64_t{1} << 31));
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(biased >> shift));
  return key;
}

void AppendCell(std::string* key, std::string_view table, std::string_view row,
                std::string_view column) {
  key->append(table);
  key->push_back('\0');
  key->append(row);
  key->push_back('\0');
  key->append(column);
}

std::string CellKey(std::string_view service, int32_t day, const Cell& cell) {
  std::string key = DayPrefix(service, day);
  AppendCell(&key, cell.table, cell.row, cell.column);
  return key;
}

bool ParseCellKey(std::string_view key, std::string* service, int32_t* day, Cell* cell) {
  const size_t nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() < nul + 1 + 4) return false;
  *service = std::string(key.substr(0, nul));
  uint32_t biased = 0;
  for (int i = 0; i < 4; ++i) biased = (biased << 8) | static_cast<unsigned char>(key[nul + 1 + i]);
  *day = static_cast<int32_t>(static_cast<int64_t>(biased) - (int64_t{1} << 31));
  std::string_view rest = key.substr(nul + 5);
  const size_t a = rest.find('\0');
  if (a == std::string_view::npos) return false;
  const size_t b = rest.find('\0', a + 1);
  if (b == std::string_view::npos || rest.find('\0', b + 1) != std::string_view::npos) return false;
  cell->table = std::string(rest.substr(0, a));
  cell->row = std::string(rest.substr(a + 1, b - a - 1));
  cell->column = std::string(rest.substr(b + 1));
  return true;
}

}  // namespace vault::stats
