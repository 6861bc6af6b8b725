// What one closed chat adds to its service's day counts
// (vault/stats/day_counts.h): each cell once, with the labels the published
// tables use, and the keys the store files them under.
#include "vault/stats/day_counts.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace vault::stats {
namespace {

using Cells = std::vector<std::tuple<std::string, std::string, std::string, int64_t>>;

Cells Streamed(const StatisticsOptions& options, const ClosedChat& chat) {
  Cells out;
  ForEachChatCell(
      options, chat,
      [&out](std::string_view table, std::string_view row, std::string_view column, int64_t n) {
        out.emplace_back(std::string(table), std::string(row), std::string(column), n);
      });
  return out;
}

// 2026-11-09 was a Monday.
constexpr UnixMillis kMonday = 1794182400000;
constexpr int64_t kHour = 3600000;

TEST(DayCountsTest, AClosedChatAddsOneToEachOfItsCellsAndItsMessageCounts) {
  const StatisticsOptions o;
  ClosedChat chat;
  chat.created_at = kMonday + 9 * kHour + 59 * 60000;  // 09:59
  chat.closed_at = chat.created_at + 20 * 60000;       // 20 minutes
  chat.visitor_messages = 7;
  chat.agent_messages = 5;
  chat.system_messages = 0;
  chat.first_reply_ms = 90000;  // 1.5 minutes
  chat.returning = true;
  chat.device = DeviceClass::kTablet;
  const Cells expected = {
      {"chats", "", "", 1},
      {"agent_reply", "replied", "", 1},
      {"first_reply", "1m to 5m", "", 1},
      {"duration", "15m to 30m", "", 1},
      {"returning", "returning", "", 1},
      {"device", "tablet", "", 1},
      {"messages", "visitor", "", 7},
      {"messages", "agent", "", 5},
      {"messages", "system", "", 0},  // every sender row, a zero included
      {"hour_weekday", "09", "Mon", 1},
  };
  EXPECT_EQ(Streamed(o, chat), expected);
  // Collected, the same cells, each once.
  const CellCounts collected = ChatCells(o, chat);
  ASSERT_EQ(collected.size(), expected.size());
  for (const auto& [table, row, column, n] : expected) {
    EXPECT_EQ(collected.at(Cell{table, row, column}), n) << table << "/" << row;
  }
}

TEST(DayCountsTest, NoReplyNoFirstReplyCellAndHoursAreTwoDigitsInTheOffset) {
  StatisticsOptions o;
  o.utc_offset_minutes = 60;  // 23:30 UTC on Sunday is 00:30 on Monday here
  ClosedChat chat;
  chat.created_at = kMonday - 30 * 60000;
  chat.closed_at = chat.created_at + 2 * kHour;
  const Cells cells = Streamed(o, chat);
  std::map<std::string, std::string> rows;
  for (const auto& [table, row, column, n] : cells) {
    EXPECT_TRUE(rows.emplace(table + (table == "messages" ? row : ""), row).second)
        << table << " twice";
    if (table == "hour_weekday") {
      EXPECT_EQ(column, "Mon");
    }
  }
  EXPECT_EQ(rows.count("first_reply"), 0u);
  EXPECT_EQ(rows.at("agent_reply"), "not_replied");
  EXPECT_EQ(rows.at("duration"), "1h or more");
  EXPECT_EQ(rows.at("returning"), "new");
  EXPECT_EQ(rows.at("device"), "unknown");
  EXPECT_EQ(rows.at("hour_weekday"), "00");
  for (int hour = 0; hour < 24; ++hour) {
    chat.created_at = kMonday + hour * kHour - 60 * 60000;  // the offset's hour `hour`
    std::string seen;
    ForEachChatCell(
        o, chat, [&seen](std::string_view table, std::string_view row, std::string_view, int64_t) {
          if (table == "hour_weekday") seen = std::string(row);
        });
    char want[3];
    std::snprintf(want, sizeof want, "%02d", hour);
    EXPECT_EQ(seen, want);
  }
}

TEST(DayCountsTest, AppendCellLaysOutTheKeyAsCellKeyAndParseCellKeyReadIt) {
  const Cell cell{"hour_weekday", "09", "Mon"};
  std::string key = DayPrefix("helpline", 20401);
  AppendCell(&key, cell.table, cell.row, cell.column);
  EXPECT_EQ(key, CellKey("helpline", 20401, cell));
  std::string service;
  int32_t day = 0;
  Cell parsed;
  ASSERT_TRUE(ParseCellKey(key, &service, &day, &parsed));
  EXPECT_EQ(service, "helpline");
  EXPECT_EQ(day, 20401);
  EXPECT_EQ(parsed, cell);
}

}  // namespace
}  // namespace vault::stats
