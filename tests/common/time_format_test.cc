#include "vault/common/time_format.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(TimeFormat, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1795385066123), "2026-11-22T22:04:26.123Z");
}

TEST(TimeFormat, ParsesAndRoundTrips) {
  UnixMillis t = 0;
  ASSERT_TRUE(ParseRfc3339("2026-11-22T22:04:26.123Z", &t));
  EXPECT_EQ(t, 1795385066123);
  ASSERT_TRUE(ParseRfc3339("2026-11-22T23:04:26.123456789+01:00", &t));
  EXPECT_EQ(t, 1795385066123);
  ASSERT_TRUE(ParseRfc3339("2026-11-22t21:04:26-01:00", &t));
  EXPECT_EQ(t, 1795385066000);
  ASSERT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z", &t));
}

TEST(TimeFormat, RejectsMalformed) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T22:04:26", "2026-13-01T00:00:00Z",
                          "2026-02-29T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T22:04:26.Z",
                          "2026-11-22T22:04:26.1234567890Z", "2026-11-22T22:04:26+0100",
                          "2026-11-22T22:04:26Zjunk", "2026-11-22 22:04:26Z", "２026-11-22T22:04:26Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad, nullptr)) << bad;
  }
}

}  // namespace
}  // namespace vault
