#include "vault/crypto/secret.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

TEST(SecretBytes, RandomIsRandomAndSized) {
  auto a = SecretBytes::Random(32);
  auto b = SecretBytes::Random(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_FALSE(a->Equals(*b));
}

TEST(SecretBytes, ZeroedAndCloneAndMove) {
  auto z = SecretBytes::Zeroed(16);
  ASSERT_TRUE(z.ok());
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(z->insecure_data()[i], 0);
  z->insecure_mutable_data()[3] = 7;
  auto c = z->Clone();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Equals(*z));
  SecretBytes moved = std::move(c).value();
  EXPECT_EQ(moved.size(), 16u);
  EXPECT_EQ(moved.insecure_data()[3], 7);
  SecretBytes empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.Equals(moved));
}

}  // namespace
}  // namespace vault
