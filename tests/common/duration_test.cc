#include <gtest/gtest.h>

#include "vault/options.h"

namespace vault {
namespace {

TEST(Duration, ParsesUnits) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseDuration("30d", &ms));
  EXPECT_EQ(ms, 30 * kMillisPerDay);
  ASSERT_TRUE(ParseDuration("1h", &ms));
  EXPECT_EQ(ms, 3600000);
  ASSERT_TRUE(ParseDuration("15m", &ms));
  EXPECT_EQ(ms, 900000);
  ASSERT_TRUE(ParseDuration("3s", &ms));
  EXPECT_EQ(ms, 3000);
  ASSERT_TRUE(ParseDuration("250ms", &ms));
  EXPECT_EQ(ms, 250);
}

TEST(Duration, RejectsOthers) {
  int64_t ms = 0;
  for (const char* bad : {"", "d", "0s", "-1s", "1.5h", "1w", "1 h", "10", "99999999999999d", "1hh"}) {
    EXPECT_FALSE(ParseDuration(bad, &ms)) << bad;
  }
}

TEST(Duration, FormatsLargestUnit) {
  EXPECT_EQ(FormatDuration(30 * kMillisPerDay), "30d");
  EXPECT_EQ(FormatDuration(90 * 60 * 1000), "90m");
  EXPECT_EQ(FormatDuration(1500), "1500ms");
}

}  // namespace
}  // namespace vault
