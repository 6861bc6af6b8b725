// CaseIndexKey: the tags and prefix of a legal-hold case's visitor-index key,
// computed again here with libsodium from the spec
// (docs/formats/visitor-index.md), and its sealed form in the case file.
#include "vault/crypto/case_index_key.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>
#include <string>

#include "vault/crypto/aead.h"

namespace vault {
namespace {

std::string Kdf(const std::string& key, uint64_t id) {
  std::string out(32, '\0');
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(out.data()), out.size(), id,
                             "TVctag01", reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::string Blake(const std::string& key, const char* personal, const std::string& in) {
  unsigned char padded[16] = {};
  std::memcpy(padded, personal, std::strlen(personal));
  std::string out(16, '\0');
  crypto_generichash_blake2b_salt_personal(
      reinterpret_cast<unsigned char*>(out.data()), out.size(),
      reinterpret_cast<const unsigned char*>(in.data()), in.size(),
      reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, padded);
  return out;
}

TEST(CaseIndexKeyTest, TagsAndPrefixAreTheSpecsAndTheKeyOpensOnlyWithItsAd) {
  auto wrap = SecretBytes::Random(32);
  ASSERT_TRUE(wrap.ok());
  // A known key, sealed as the case file holds it.
  const std::string raw(32, '\x5a');
  auto known = SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  ASSERT_TRUE(known.ok());
  std::string sealed;
  ASSERT_TRUE(aead::SealSecret(*wrap, *known, "ad-1", &sealed).ok());
  EXPECT_EQ(sealed.size(), 72u);
  auto key = CaseIndexKey::Open(*wrap, sealed, "ad-1");
  ASSERT_TRUE(key.ok()) << key.status().ToString();

  const std::string item("\x01sam-1", 6);
  EXPECT_EQ(key->Tag(item), Blake(Kdf(raw, 0), "TV-vindex-tag-v1", item));
  EXPECT_EQ(key->prefix(), Blake(Kdf(raw, 1), "TV-vindex-cpfx1", "").substr(0, 8));

  // Sealed again, it opens to the same key, and only with its own AD.
  auto resealed = key->Seal(*wrap, "ad-1");
  ASSERT_TRUE(resealed.ok());
  auto again = CaseIndexKey::Open(*wrap, *resealed, "ad-1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Tag(item), key->Tag(item));
  EXPECT_EQ(CaseIndexKey::Open(*wrap, *resealed, "ad-2").status().code(),
            Status::Code::kCorruption);
  // Not a 32-byte key: refused.
  std::string short_key;
  ASSERT_TRUE(aead::Seal(*wrap, std::string(16, 'k'), "ad-1", &short_key).ok());
  EXPECT_EQ(CaseIndexKey::Open(*wrap, short_key, "ad-1").status().code(),
            Status::Code::kCorruption);
}

TEST(CaseIndexKeyTest, EachGeneratedKeyHasItsOwnPrefixAndTags) {
  auto a = CaseIndexKey::Generate();
  auto b = CaseIndexKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->prefix().size(), CaseIndexKey::kPrefixBytes);
  EXPECT_NE(a->prefix(), b->prefix());
  EXPECT_EQ(a->Tag("x").size(), 16u);
  EXPECT_NE(a->Tag("x"), b->Tag("x"));
  EXPECT_EQ(a->Tag("x"), a->Tag("x"));
}

}  // namespace
}  // namespace vault
