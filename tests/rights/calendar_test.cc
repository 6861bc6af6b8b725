// The one-month clock of a visitor's request (vault/rights/calendar.h):
// calendar months in UTC, due by the end of the corresponding day (the
// month's last day when it has none), i.e. overdue from 00:00 UTC of the
// day after; and the due date as the register and the audit log write it.
#include "vault/rights/calendar.h"

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace vault::rights {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kDay = 86'400'000;

// Unix ms of a UTC date and time, by the C library (independent of the code
// under test).
UnixMillis At(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
              int ms = 0) {
  struct tm t = {};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return static_cast<UnixMillis>(timegm(&t)) * kSecond + ms;
}

// A reference DueAt written with gmtime_r/timegm: the same day `months`
// months on, clamped to that month's last day, plus one day at 00:00.
UnixMillis ReferenceDueAt(UnixMillis received, int months) {
  const time_t secs = static_cast<time_t>(received / kSecond);
  struct tm t = {};
  gmtime_r(&secs, &t);
  const int month_index = t.tm_year * 12 + t.tm_mon + months;
  const int year = month_index / 12;
  const int month = month_index % 12;
  // Day 0 of the next month is the last day of this one.
  struct tm last = {};
  last.tm_year = year;
  last.tm_mon = month + 1;
  last.tm_mday = 0;
  timegm(&last);
  const int day = std::min(t.tm_mday, last.tm_mday);
  struct tm due = {};
  due.tm_year = year;
  due.tm_mon = month;
  due.tm_mday = day + 1;  // timegm normalises the 32nd and the like
  return static_cast<UnixMillis>(timegm(&due)) * kSecond;
}

TEST(DueAtTest, ThirdOfSeptemberIsDueByTheEndOfThirdOfOctober) {
  const UnixMillis received = At(2026, 9, 3, 14, 30);
  EXPECT_EQ(DueAt(received, 1), At(2026, 10, 4));
  EXPECT_EQ(DueDate(DueAt(received, 1)), "2026-10-03");
}

TEST(DueAtTest, ThirtyFirstOfJanuaryIsDueByTheEndOfFebruary) {
  // 2027: not a leap year, the 28th.
  EXPECT_EQ(DueAt(At(2027, 1, 31, 9), 1), At(2027, 3, 1));
  EXPECT_EQ(DueDate(DueAt(At(2027, 1, 31, 9), 1)), "2027-02-28");
  EXPECT_EQ(DueDate(DueAt(At(2027, 1, 29, 9), 1)), "2027-02-28");
  EXPECT_EQ(DueDate(DueAt(At(2027, 1, 28, 9), 1)), "2027-02-28");
  EXPECT_EQ(DueDate(DueAt(At(2027, 1, 27, 9), 1)), "2027-02-27");
  // 2028: a leap year, the 29th.
  EXPECT_EQ(DueAt(At(2028, 1, 31, 9), 1), At(2028, 3, 1));
  EXPECT_EQ(DueDate(DueAt(At(2028, 1, 31, 9), 1)), "2028-02-29");
  EXPECT_EQ(DueDate(DueAt(At(2028, 1, 30, 9), 1)), "2028-02-29");
  EXPECT_EQ(DueDate(DueAt(At(2028, 1, 28, 9), 1)), "2028-02-28");
  // Centuries: 2100 is not a leap year, 2000 was.
  EXPECT_EQ(DueDate(DueAt(At(2100, 1, 31), 1)), "2100-02-28");
  EXPECT_EQ(DueDate(DueAt(At(2000, 1, 31), 1)), "2000-02-29");
}

TEST(DueAtTest, ShorterMonthsClampToTheirLastDay) {
  EXPECT_EQ(DueDate(DueAt(At(2027, 3, 31), 1)), "2027-04-30");
  EXPECT_EQ(DueAt(At(2027, 3, 31), 1), At(2027, 5, 1));
  EXPECT_EQ(DueDate(DueAt(At(2027, 5, 31), 1)), "2027-06-30");
  EXPECT_EQ(DueDate(DueAt(At(2027, 8, 31), 1)), "2027-09-30");
  EXPECT_EQ(DueDate(DueAt(At(2027, 4, 30), 1)), "2027-05-30");  // not the 31st
}

TEST(DueAtTest, DecemberRollsIntoJanuaryOfTheNextYear) {
  EXPECT_EQ(DueAt(At(2026, 12, 30, 12), 1), At(2027, 1, 31));
  EXPECT_EQ(DueDate(DueAt(At(2026, 12, 30, 12), 1)), "2027-01-30");
  EXPECT_EQ(DueAt(At(2026, 12, 31, 12), 1), At(2027, 2, 1));
  EXPECT_EQ(DueDate(DueAt(At(2026, 12, 31, 12), 1)), "2027-01-31");
  EXPECT_EQ(DueDate(DueAt(At(2026, 12, 1), 1)), "2027-01-01");
  EXPECT_EQ(DueDate(DueAt(At(2026, 11, 30), 1)), "2026-12-30");
}

TEST(DueAtTest, OneTwoAndThreeMonths) {
  const UnixMillis received = At(2026, 11, 30, 8);
  EXPECT_EQ(DueAt(received, 1), At(2026, 12, 31));
  EXPECT_EQ(DueAt(received, 2), At(2027, 1, 31));
  EXPECT_EQ(DueAt(received, 3), At(2027, 3, 1));  // 28 February 2027, clamped
  EXPECT_EQ(DueDate(DueAt(received, 3)), "2027-02-28");
  // Extended by two months (1 + 2) from 31 December: the end of 31 March.
  EXPECT_EQ(DueDate(DueAt(At(2026, 12, 31), 3)), "2027-03-31");
  EXPECT_EQ(DueDate(DueAt(At(2026, 12, 31), 2)), "2027-02-28");
  EXPECT_EQ(DueDate(DueAt(At(2026, 10, 31), 3)), "2027-01-31");
  // Longer limits only ever move later.
  for (uint32_t m = 1; m < 12; ++m) EXPECT_LT(DueAt(received, m), DueAt(received, m + 1)) << m;
}

TEST(DueAtTest, TheTimeOfDayOfReceiptDoesNotMatterOnlyTheDay) {
  const UnixMillis first_ms = At(2026, 9, 3, 0, 0, 0, 0);
  const UnixMillis last_ms = At(2026, 9, 3, 23, 59, 59, 999);
  EXPECT_EQ(last_ms - first_ms, kDay - 1);
  EXPECT_EQ(DueAt(first_ms, 1), At(2026, 10, 4));
  EXPECT_EQ(DueAt(last_ms, 1), At(2026, 10, 4));
  // One millisecond later it is the next day, due a day later.
  EXPECT_EQ(DueAt(last_ms + 1, 1), At(2026, 10, 5));
  EXPECT_EQ(DueAt(first_ms - 1, 1), At(2026, 10, 3));
}

TEST(DueAtTest, AgreesWithTheCLibraryOnEveryDayOfSeveralYears) {
  // Every day from 2026 to the end of 2033 (two leap years), at its first
  // and last millisecond and at noon, with limits of 1, 2 and 3 months.
  size_t checked = 0;
  for (UnixMillis day = At(2026, 1, 1); day < At(2034, 1, 1); day += kDay) {
    for (UnixMillis received : {day, day + kDay / 2, day + kDay - 1}) {
      for (int months : {1, 2, 3}) {
        const UnixMillis due = DueAt(received, static_cast<uint32_t>(months));
        ASSERT_EQ(due, ReferenceDueAt(received, months))
            << "received " << received << " months " << months;
        ASSERT_EQ(due % kDay, 0);  // always 00:00 UTC
        ASSERT_GT(due, received + 27 * kDay * months);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 8000u);
}

TEST(DueDateTest, NamesTheDayThatEndsAtTheDueTime) {
  EXPECT_EQ(DueDate(At(2026, 10, 4)), "2026-10-03");
  EXPECT_EQ(DueDate(At(2027, 1, 1)), "2026-12-31");
  EXPECT_EQ(DueDate(At(2028, 3, 1)), "2028-02-29");
  EXPECT_EQ(DueDate(At(2027, 3, 1)), "2027-02-28");
  // A time that is not a midnight names the day it falls in (the day that
  // ends at the next midnight).
  EXPECT_EQ(DueDate(At(2026, 10, 4, 0, 0, 0, 1)), "2026-10-04");
  EXPECT_EQ(DueDate(At(2026, 10, 4, 23, 59, 59, 999)), "2026-10-04");
  EXPECT_EQ(DueDate(At(2026, 10, 5)), "2026-10-04");
  // Zero-padded, four-digit years.
  EXPECT_EQ(DueDate(At(2030, 2, 2)), "2030-02-01");
}

}  // namespace
}  // namespace vault::rights
