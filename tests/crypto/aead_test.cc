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
