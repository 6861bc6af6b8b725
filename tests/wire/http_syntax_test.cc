// The HTTP syntax the server and the client share: tokens, and optional
// whitespace around a value.
#include "vault/wire/http_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace vault::wire {
namespace {

TEST(HttpSyntaxTest, ATokenIsOneOrMoreTokenCharacters) {
  EXPECT_TRUE(IsToken("GET"));
  EXPECT_TRUE(IsToken("Idempotency-Key"));
  EXPECT_TRUE(IsToken("x!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(IsToken(""));
  // Every byte that is not a token character, alone and inside a name.
  const std::string extra = "!#$%&'*+-.^_`|~";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool expected = alnum || extra.find(c) != std::string::npos;
    EXPECT_EQ(IsToken(std::string(1, c)), expected) << b;
    EXPECT_EQ(IsToken("X-" + std::string(1, c) + "-Y"), expected) << b;
  }
}

TEST(HttpSyntaxTest, TrimOwsRemovesSpacesAndTabsAtTheEndsOnly) {
  EXPECT_EQ(TrimOws(" \t k-1 \t"), "k-1");
  EXPECT_EQ(TrimOws("a b"), "a b");
  EXPECT_EQ(TrimOws(" \t "), "");
  EXPECT_EQ(TrimOws(""), "");
  EXPECT_EQ(TrimOws("\r\nx\n"), "\r\nx\n");  // only spaces and tabs
}

}  // namespace
}  // namespace vault::wire
