#include "vault/common/utf8.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(Utf8, AcceptsValid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, RejectsInvalid) {
  for (const char* bad : {"\x80", "\xc0\xaf", "\xc3", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "ok\xff"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

// The check reads ASCII eight bytes at a time: every verdict is the same
// wherever the sequence falls against those blocks, with ASCII before it
// and after it, and at the very end of the text.
TEST(Utf8, VerdictsDoNotDependOnWhereASequenceFalls) {
  const std::string good[] = {"\xc3\xa9", "\xd7\xa9", "\xe2\x82\xac", "\xef\xbf\xbd",
                              "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xe0\xa0\x80"};
  const std::string bad[] = {"\x80",         "\xbf",         "\xc0\xaf",     "\xc1\xbf",
                             "\xc3",         "\xe2\x82",     "\xe0\x80\xaf", "\xed\xa0\x80",
                             "\xf0\x9f\x98", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                             "\xff",         "\xc3\x28",     "\xe2\x28\xac"};
  for (size_t before = 0; before <= 17; ++before) {
    for (size_t after : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{20}}) {
      const std::string head(before, 'a'), tail(after, 'z');
      for (const std::string& g : good) {
        EXPECT_TRUE(IsValidUtf8(head + g + tail)) << before << " " << after;
        EXPECT_TRUE(IsValidUtf8(head + g + g + tail)) << before << " " << after;
      }
      for (const std::string& b : bad) {
        EXPECT_FALSE(IsValidUtf8(head + b + tail)) << before << " " << after << " " << b;
        EXPECT_FALSE(IsValidUtf8(head + good[0] + b + tail)) << before << " " << after;
      }
    }
  }
}

// One byte with its top bit set anywhere in a long ASCII text is found.
TEST(Utf8, ALoneHighByteIsFoundAtEveryPosition) {
  for (size_t at = 0; at < 70; ++at) {
    std::string text(70, 'x');
    text[at] = '\x80';
    EXPECT_FALSE(IsValidUtf8(text)) << at;
    text[at] = '\0';  // NUL is ASCII, and valid
    EXPECT_TRUE(IsValidUtf8(text)) << at;
  }
}

}  // namespace
}  // namespace vault
