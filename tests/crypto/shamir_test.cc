#include "vault/crypto/shamir.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vault::shamir {
namespace {

SecretBytes Secret32() {
  auto s = SecretBytes::Random(32);
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(ShamirTest, GfMulMatchesTheAesFieldKnownAnswers) {
  // FIPS-197 section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}.
  EXPECT_EQ(GfMul(0x57, 0x83), 0xc1);
  EXPECT_EQ(GfMul(0x57, 0x13), 0xfe);
  EXPECT_EQ(GfMul(0x00, 0xff), 0x00);
  EXPECT_EQ(GfMul(0x01, 0xab), 0xab);
}

TEST(ShamirTest, AnyTwoOfFiveGiveTheSecretBack) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes secret = Secret32();
  auto shares = Split(secret, 2, 5);
  ASSERT_TRUE(shares.ok()) << shares.status().ToString();
  ASSERT_EQ(shares->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = 0; j < 5; ++j) {
      if (i == j) continue;
      auto combined = Combine({&(*shares)[i], &(*shares)[j]});
      ASSERT_TRUE(combined.ok());
      EXPECT_TRUE(combined->Equals(secret)) << "shares " << i << "," << j;
    }
  }
}

TEST(ShamirTest, ThreeOfFourNeedsThree) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes secret = Secret32();
  auto shares = Split(secret, 3, 4);
  ASSERT_TRUE(shares.ok());
  auto three = Combine({&(*shares)[0], &(*shares)[2], &(*shares)[3]});
  ASSERT_TRUE(three.ok());
  EXPECT_TRUE(three->Equals(secret));
  auto two = Combine({&(*shares)[0], &(*shares)[2]});
  ASSERT_TRUE(two.ok());
  EXPECT_FALSE(two->Equals(secret));
}

TEST(ShamirTest, OneShareRevealsNothingAboutTheSecret) {
  // With threshold 2, share y = s + a*x for a random a: for two different
  // secrets, the same share value is equally possible. Check the weaker,
  // testable property: a share is not the secret and shares of the same
  // secret from two splits differ.
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes secret = Secret32();
  auto first = Split(secret, 2, 2);
  auto second = Split(secret, 2, 2);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE((*first)[0].y.Equals(secret));
  EXPECT_FALSE((*first)[0].y.Equals((*second)[0].y));
}

TEST(ShamirTest, SharesOfDifferentSplitsDoNotCombineToEither) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes a = Secret32();
  const SecretBytes b = Secret32();
  auto sa = Split(a, 2, 3);
  auto sb = Split(b, 2, 3);
  ASSERT_TRUE(sa.ok() && sb.ok());
  auto mixed = Combine({&(*sa)[0], &(*sb)[1]});
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(mixed->Equals(a));
  EXPECT_FALSE(mixed->Equals(b));
}

TEST(ShamirTest, ATamperedShareGivesAWrongSecret) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes secret = Secret32();
  auto shares = Split(secret, 2, 3);
  ASSERT_TRUE(shares.ok());
  (*shares)[1].y.insecure_mutable_data()[7] ^= 1;
  auto combined = Combine({&(*shares)[0], &(*shares)[1]});
  ASSERT_TRUE(combined.ok());
  EXPECT_FALSE(combined->Equals(secret));
}

TEST(ShamirTest, RejectsBadParametersAndDuplicateShares) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes secret = Secret32();
  EXPECT_FALSE(Split(secret, 1, 3).ok());
  EXPECT_FALSE(Split(secret, 4, 3).ok());
  EXPECT_FALSE(Split(secret, 2, 256).ok());
  EXPECT_FALSE(Split(SecretBytes(), 2, 3).ok());
  auto shares = Split(secret, 2, 3);
  ASSERT_TRUE(shares.ok());
  EXPECT_FALSE(Combine({&(*shares)[0], &(*shares)[0]}).ok());
  EXPECT_FALSE(Combine({&(*shares)[0]}).ok());
}

}  // namespace
}  // namespace vault::shamir
