// Officer identities: key pairs, identity files, enrolment tokens,
// fingerprints (docs/formats/officer-identity.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstring>

#include "tests/officer/passphrase.h"
#include "vault/common/encoding.h"
#include "vault/officer/officer.h"

namespace vault::safeguard {
namespace {

std::string Raw(const std::array<uint8_t, 32>& k) {
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

constexpr char kPass[] = "a long enough passphrase";

TEST(IdentityTest, GenerateGivesDistinctMatchingKeyPairs) {
  auto a = OfficerKeys::Generate();
  auto b = OfficerKeys::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->pub == b->pub);
  EXPECT_EQ(Raw(a->pub.sign), a->sign.public_key().bytes());
  EXPECT_EQ(Raw(a->pub.seal), a->seal.public_key().bytes());
  auto sig = Sign(a->sign, "hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifySignature(a->pub.sign, "hello", *sig));
  EXPECT_FALSE(VerifySignature(b->pub.sign, "hello", *sig));
  EXPECT_FALSE(Sign(SigningKey(), "hello").ok());  // an empty key signs nothing
}

TEST(IdentityTest, FileRoundTripsWithItsPassphraseOnly) {
  auto keys = OfficerKeys::Generate();
  ASSERT_TRUE(keys.ok());
  auto file = EncodeIdentityFile(*keys, Pass(kPass), KdfLevel::kInteractive);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  boost::json::object o = boost::json::parse(*file).as_object();
  EXPECT_EQ(o["format"].as_string(), "transcript-vault-officer-v1");
  EXPECT_EQ(o["kdf"].as_object()["algorithm"].as_string(), "argon2id13");
  auto pub = IdentityFilePublicKeys(*file);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, keys->pub);
  auto opened = DecodeIdentityFile(*file, Pass(kPass));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->pub, keys->pub);
  EXPECT_TRUE(opened->sign.secret_key().Equals(keys->sign.secret_key()));
  EXPECT_TRUE(opened->seal.secret().Equals(keys->seal.secret()));
  // The reopened keys work: the same signature, and a box sealed to the
  // officer opens.
  EXPECT_EQ(opened->sign.Sign("m"), keys->sign.Sign("m"));
  auto sealed = SealTo(keys->seal.public_key(), std::string_view("share"));
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(opened->seal.Open(*sealed).ok());
  const Status wrong = DecodeIdentityFile(*file, Pass("another passphrase")).status();
  EXPECT_EQ(wrong.code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(wrong.reason(), "wrong_passphrase");
}

TEST(IdentityTest, TamperedFilesDoNotOpen) {
  auto keys = OfficerKeys::Generate();
  ASSERT_TRUE(keys.ok());
  auto file = EncodeIdentityFile(*keys, Pass(kPass), KdfLevel::kInteractive);
  ASSERT_TRUE(file.ok());
  const boost::json::object orig = boost::json::parse(*file).as_object();
  auto reencode = [](const boost::json::object& o) { return boost::json::serialize(o); };
  // One bit of the sealed keys.
  {
    boost::json::object o = orig;
    std::string sealed;
    ASSERT_TRUE(FromBase64(o["sealed_keys"].as_string(), &sealed));
    sealed[sealed.size() / 2] ^= 0x01;
    o["sealed_keys"] = ToBase64(sealed);
    EXPECT_FALSE(DecodeIdentityFile(reencode(o), Pass(kPass)).ok());
  }
  // The salt, or the memlimit (both bound into the associated data).
  {
    boost::json::object o = orig;
    std::string salt;
    ASSERT_TRUE(FromBase64(o["kdf"].as_object()["salt"].as_string(), &salt));
    salt[0] ^= 0x01;
    o["kdf"].as_object()["salt"] = ToBase64(salt);
    EXPECT_FALSE(DecodeIdentityFile(reencode(o), Pass(kPass)).ok());
  }
  // The advertised sealing key.
  {
    boost::json::object o = orig;
    auto other = OfficerKeys::Generate();
    o["seal_public_key"] = ToBase64(Raw(other->pub.seal));
    EXPECT_FALSE(DecodeIdentityFile(reencode(o), Pass(kPass)).ok());
  }
  // Not an identity file at all.
  {
    boost::json::object o = orig;
    o["format"] = "transcript-vault-officer-v2";
    EXPECT_EQ(DecodeIdentityFile(reencode(o), Pass(kPass)).status().reason(),
              "invalid_identity_file");
    EXPECT_EQ(DecodeIdentityFile(file->substr(0, file->size() / 2), Pass(kPass)).status().reason(),
              "invalid_identity_file");
    EXPECT_EQ(IdentityFilePublicKeys("[]").status().reason(), "invalid_identity_file");
  }
  // The untouched file still opens.
  EXPECT_TRUE(DecodeIdentityFile(reencode(orig), Pass(kPass)).ok());
}

TEST(IdentityTest, EnrolmentTokenRoundTripsAndMalformedOnesAreRefused) {
  auto keys = OfficerKeys::Generate();
  ASSERT_TRUE(keys.ok());
  auto token = EnrolmentToken(*keys);
  ASSERT_TRUE(token.ok());
  ASSERT_EQ(token->rfind("tv-officer-v1:", 0), 0u);
  auto parsed = ParseEnrolmentToken(*token);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, keys->pub);
  std::string raw;
  ASSERT_TRUE(FromBase64(token->substr(14), &raw));
  ASSERT_EQ(raw.size(), 128u);
  std::string bad_sig = raw;
  bad_sig[100] ^= 0x01;
  for (const std::string& bad :
       {std::string("tv-officer-v2:") + token->substr(14), std::string("tv-officer-v1:"),
        token->substr(0, token->size() - 4), "tv-officer-v1:" + ToBase64(raw.substr(0, 127)),
        "tv-officer-v1:" + ToBase64(bad_sig), std::string("tv-officer-v1:not base64!"),
        *token + std::string(600, 'A'), std::string()}) {
    const Status s = ParseEnrolmentToken(bad).status();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.reason(), "invalid_officer_key") << bad;
  }
}

TEST(IdentityTest, FingerprintIsStable) {
  OfficerPublicKeys pub;
  for (uint8_t i = 0; i < 32; ++i) {
    pub.sign[i] = i;
    pub.seal[i] = static_cast<uint8_t>(32 + i);
  }
  // BLAKE2b-128, personalisation "TV-officer-fp1", of sign pk || seal pk.
  EXPECT_EQ(Fingerprint(pub), "19e4-4fe9-8230-836d-267b-3381-aec3-084d");
  OfficerPublicKeys other = pub;
  other.seal[31] ^= 1;
  EXPECT_NE(Fingerprint(other), Fingerprint(pub));
}

}  // namespace
}  // namespace vault::safeguard
