#include "vault/crypto/aead.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(Aead, RoundTripsAndBindsAssociatedData) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "hello", "ad-1", &sealed).ok());
  EXPECT_EQ(sealed.size(), 5 + aead::kOverhead);
  auto plain = aead::Open(*key, sealed, "ad-1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "hello");
  EXPECT_EQ(aead::Open(*key, sealed, "ad-2").status().code(), Status::Code::kCorruption);
  auto other = SecretBytes::Random(aead::kKeyBytes);
  EXPECT_EQ(aead::Open(*other, sealed, "ad-1").status().code(), Status::Code::kCorruption);
}

TEST(Aead, OpenIntoReusesItsBufferAndOpensWhatOpenOpens) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  std::string plain;
  // Longer, shorter, empty and longer again: each opening leaves exactly
  // its own plaintext, whatever the buffer held before.
  for (const std::string text : {std::string(1500, 'a'), std::string("bb"), std::string(),
                                 std::string(2000, 'c')}) {
    std::string sealed;
    ASSERT_TRUE(aead::Seal(*key, text, "ad", &sealed).ok());
    ASSERT_TRUE(aead::OpenInto(*key, sealed, "ad", &plain).ok());
    EXPECT_EQ(plain, text);
    EXPECT_EQ(plain, *aead::Open(*key, sealed, "ad"));
  }
  EXPECT_GE(plain.capacity(), 2000u);
  // A record no larger than the buffer is opened where it is.
  const char* const at = plain.data();
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, std::string(1999, 'd'), "ad", &sealed).ok());
  ASSERT_TRUE(aead::OpenInto(*key, sealed, "ad", &plain).ok());
  EXPECT_EQ(plain.data(), at);
  EXPECT_EQ(plain, std::string(1999, 'd'));
}

TEST(Aead, OpenIntoAFailedOpeningLeavesNothing) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "a secret message", "ad-1", &sealed).ok());
  std::string plain = "what an earlier record held";
  const Status wrong_ad = aead::OpenInto(*key, sealed, "ad-2", &plain);
  EXPECT_EQ(wrong_ad.code(), Status::Code::kCorruption);
  EXPECT_TRUE(plain.empty());
  // Every byte the buffer can hold is zero: neither the earlier record nor
  // anything decrypted is left (read through the allocation, which
  // resize() would zero-fill by itself).
  EXPECT_EQ(std::string(plain.data(), plain.capacity()), std::string(plain.capacity(), '\0'));
  std::string tampered = sealed;
  tampered.back() ^= 1;
  plain = "x";
  EXPECT_FALSE(aead::OpenInto(*key, tampered, "ad-1", &plain).ok());
  EXPECT_TRUE(plain.empty());
  plain = "y";
  EXPECT_EQ(aead::OpenInto(*key, "short", "ad-1", &plain).code(), Status::Code::kCorruption);
  EXPECT_TRUE(plain.empty());
}

TEST(Aead, WipeZeroesTheWholeCapacity) {
  std::string s(300, 'k');
  s.resize(10);  // 290 bytes past the size still hold 'k'
  const size_t capacity = s.capacity();
  aead::Wipe(&s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.capacity(), capacity);
  EXPECT_EQ(std::string(s.data(), capacity), std::string(capacity, '\0'));
}

TEST(Aead, EveryFlippedByteIsDetected) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "a short record", "ad", &sealed).ok());
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(aead::Open(*key, bad, "ad").ok()) << "byte " << i;
  }
  EXPECT_FALSE(aead::Open(*key, sealed.substr(0, aead::kOverhead - 1), "ad").ok());
}

TEST(Aead, NoncesDiffer) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string a, b;
  ASSERT_TRUE(aead::Seal(*key, "same", "ad", &a).ok());
  ASSERT_TRUE(aead::Seal(*key, "same", "ad", &b).ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vault
