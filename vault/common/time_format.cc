#include "vault/common/time_format.h"

#include <cstdio>
#include <ctime>

namespace vault {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::string FormatRfc3339(UnixMillis t) {
  int64_t secs = t / 1000;
  int64_t ms = t % 1000;
  if (ms < 0) { ms += 1000; secs -= 1; }
  const time_t tt = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool ParseRfc3339(std::string_view s, UnixMillis* out) {
  int Y, M, D, h, m, sec;
  if (!Digits(s, 0, 4, &Y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &M) ||
      s[7] != '-' || !Digits(s, 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &m) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return false;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (M < 1 || M > 12 || D < 1) return false;
  if (D > kDays[M - 1] + (M == 2 && IsLeap(Y) ? 1 : 0)) return false;
  if (h > 23 || m > 59 || sec > 60) return false;  // 60: leap second
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t nd = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (nd < 3) millis = millis * 10 + (s[pos] - '0');
      ++nd;
      ++pos;
    }
    if (nd == 0 || nd > 9) return false;
    for (size_t i = nd; i < 3; ++i) millis *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  if (out != nullptr) {
    const int64_t days = DaysFromCivil(Y, M, D);
    const int64_t secs = days * 86400 + h * 3600 + m * 60 + (sec == 60 ? 59 : sec) -
                         offset_min * 60;
    *out = secs * 1000 + millis;
  }
  return true;
}

}  // namespace vault
