// The typed helpers of vault/crypto: known-answer vectors where a standard
// gives one, and byte-for-byte agreement with the libsodium calls the
// formats were written with.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>

#include "vault/common/encoding.h"
#include "vault/crypto/box.h"
#include "vault/crypto/compare.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/kdf.h"
#include "vault/crypto/random.h"
#include "vault/crypto/sign.h"

namespace vault {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  EXPECT_TRUE(FromHex(hex, &out)) << hex;
  return out;
}

SecretBytes Secret(std::string_view bytes) {
  return SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())
      .value();
}

std::string View(const SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.insecure_data()), s.size());
}

TEST(RandomTest, SizedAndDifferent) {
  EXPECT_EQ(RandomBytes(0), "");
  const std::string a = RandomBytes(16), b = RandomBytes(16);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  char buf[8] = {};
  FillRandom(buf, sizeof buf);
  EXPECT_NE(std::string(buf, 8), std::string(8, '\0'));
}

TEST(CompareTest, LengthIsCheckedFirst) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));   // a prefix is not equal
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", std::string(32, '\0')));
}

// RFC 7693 Appendix A: BLAKE2b-512("abc").
TEST(HashTest, Blake2bRfc7693Abc) {
  EXPECT_EQ(ToHex(Blake2b("", "abc", 64)),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  Hasher h = Hasher::Create("", 64);
  h.Update("a").Update("").Update("bc");
  EXPECT_EQ(h.Final(), Blake2b("", "abc", 64));
}

// FIPS 180-2: SHA-256("abc").
TEST(HashTest, Sha256Abc) {
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The formats' personalisations, as the code spelled them with libsodium:
// a 16-byte array, zero-padded.
std::string SodiumPersonal(const char (&personal)[16], std::string_view data, size_t out_bytes,
                           const std::string& key = "") {
  std::string out(out_bytes, '\0');
  crypto_generichash_blake2b_salt_personal(
      reinterpret_cast<unsigned char*>(out.data()), out.size(),
      reinterpret_cast<const unsigned char*>(data.data()), data.size(),
      key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()), key.size(),
      nullptr, reinterpret_cast<const unsigned char*>(personal));
  return out;
}

TEST(HashTest, PersonalisedBlake2bMatchesTheFormats) {
  const std::string data = "some record body \x01\x02";
  const char kRec[16] = "TV-audit-rec-v1";
  const char kReason[16] = {'T', 'V', '-', 'r', 'e', 'a', 's', 'o', 'n', '-', 'v', '1', 0, 0, 0, 0};
  const char kFp[16] = {'T', 'V', '-', 'o', 'f', 'f', 'i', 'c', 'e', 'r', '-', 'f', 'p', '1', 0, 0};
  const char kCmt[16] = {'T', 'V', '-', 's', 'h', 'a', 'r', 'e', '-', 'c', 'm', 't', '-', 'v', '1', 0};
  const char kShred[16] = {'T', 'V', '-', 's', 'h', 'r', 'e', 'd', '-', 'i', 'd', 's', '-', 'v', '1', 0};
  EXPECT_EQ(Blake2b("TV-audit-rec-v1", data, 32), SodiumPersonal(kRec, data, 32));
  EXPECT_EQ(Blake2b("TV-reason-v1", data, 32), SodiumPersonal(kReason, data, 32));
  EXPECT_EQ(Blake2b("TV-officer-fp1", data, 16), SodiumPersonal(kFp, data, 16));
  // Incremental, as the share commitment and the retention evidence hash are.
  Hasher h = Hasher::Create("TV-share-cmt-v1", 32);
  h.Update(data.substr(0, 5)).Update(data.substr(5));
  EXPECT_EQ(h.Final(), SodiumPersonal(kCmt, data, 32));
  Hasher e = Hasher::Create("TV-shred-ids-v1", 32);
  EXPECT_EQ(e.Final(), SodiumPersonal(kShred, "", 32));
  // A different personalisation is a different hash.
  EXPECT_NE(Blake2b("TV-reason-v2", data, 32), Blake2b("TV-reason-v1", data, 32));
}

TEST(HashTest, KeyedBlake2bMatchesSodium) {
  const std::string key(32, '\x42');
  const SecretBytes k = Secret(key);
  const char kNone[16] = {};
  Hasher h = Hasher::Create("", 32, &k);
  h.Update("message");
  EXPECT_EQ(h.Final(), SodiumPersonal(kNone, "message", 32, key));
  Hasher u = Hasher::Create("", 32);
  u.Update("message");
  EXPECT_NE(u.Final(), SodiumPersonal(kNone, "message", 32, key));
}

// KeyedBlake2b, our own compression function over a key block compressed
// once, gives libsodium's bytes: every key size and output size the
// helpers allow, personalised or not, and messages of 1 to 400 bytes
// (one block, exactly one, a partial second, exactly two, and more).
TEST(HashTest, KeyedBlake2bWithItsKeyBlockCompressedMatchesSodium) {
  const char kTag[16] = {'T', 'V', '-', 'v', 'i', 'n', 'd', 'e', 'x', '-', 't', 'a', 'g', '-', 'v', '1'};
  const char kNone[16] = {};
  uint64_t x = 0x243F6A8885A308D3ull;
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  int compared = 0;
  for (size_t key_bytes : {16, 32, 33, 64}) {
    std::string key(key_bytes, '\0');
    for (char& c : key) c = static_cast<char>(next());
    for (size_t out_bytes : {16, 32, 64}) {
      for (bool personal : {true, false}) {
        auto hash = KeyedBlake2b::Create(personal ? std::string_view(kTag, 16) : "", out_bytes,
                                         Secret(key));
        ASSERT_TRUE(hash.ok());
        for (size_t len = 1; len <= 400; len += (len < 260 ? 1 : 37)) {
          std::string data(len, '\0');
          for (char& c : data) c = static_cast<char>(next());
          std::string got(out_bytes, '\0');
          hash->HashTo(data, got.data());
          ASSERT_EQ(ToHex(got), ToHex(SodiumPersonal(personal ? kTag : kNone, data, out_bytes, key)))
              << "key " << key_bytes << " out " << out_bytes << " length " << len;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 5000);
  // And under another key, another digest.
  auto other = KeyedBlake2b::Create("", 16, Secret(std::string(32, 'k')));
  auto same = KeyedBlake2b::Create("", 16, Secret(std::string(32, 'k')));
  auto differ = KeyedBlake2b::Create("", 16, Secret(std::string(32, 'j')));
  std::string a(16, '\0'), b(16, '\0'), c(16, '\0');
  other->HashTo("input", a.data());
  same->HashTo("input", b.data());
  differ->HashTo("input", c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_DEATH(other->HashTo("", a.data()), "");
}

TEST(HashDeathTest, ContractViolationsAbort) {
  EXPECT_DEATH(Blake2b("seventeen chars!!", "x", 32), "");
  EXPECT_DEATH(Blake2b("", "x", 8), "");
  EXPECT_DEATH(Blake2b("", "x", 65), "");
}

// RFC 8032 section 7.1, TEST 1 (empty message).
TEST(SignTest, Ed25519Rfc8032Test1) {
  const SecretBytes seed =
      Secret(Unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  auto key = SigningKey::FromSeed(seed);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(ToHex(key->public_key().bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string sig = key->Sign("");
  EXPECT_EQ(ToHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
            "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(key->public_key().Verify("", sig));
  EXPECT_FALSE(key->public_key().Verify("x", sig));
  std::string bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(key->public_key().Verify("", bad));
  EXPECT_FALSE(key->public_key().Verify("", sig.substr(0, 63)));
  // The 64-byte secret key is seed || public key, and reloads.
  EXPECT_EQ(View(key->secret_key()), View(seed) + key->public_key().bytes());
  auto again = SigningKey::FromSecretKey(key->secret_key());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key->public_key());
}

TEST(SignTest, GenerateVerifyKeysAndRejections) {
  auto a = SigningKey::Generate();
  auto b = SigningKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
  const std::string sig = a->Sign("statement");
  EXPECT_TRUE(a->public_key().Verify("statement", sig));
  EXPECT_FALSE(b->public_key().Verify("statement", sig));
  auto vk = VerifyKey::FromBytes(a->public_key().bytes());
  ASSERT_TRUE(vk.ok());
  EXPECT_TRUE(vk->Verify("statement", sig));
  EXPECT_FALSE(VerifyKey::FromBytes(std::string(31, 'x')).ok());
  EXPECT_FALSE(SigningKey::FromSeed(Secret(std::string(31, 'x'))).ok());
  // A secret key whose public half is not its seed's is refused.
  std::string mixed = View(a->secret_key()).substr(0, 32) + b->public_key().bytes();
  EXPECT_FALSE(SigningKey::FromSecretKey(Secret(mixed)).ok());
  auto clone = a->Clone();
  ASSERT_TRUE(clone.ok());
  EXPECT_EQ(clone->Sign("x"), a->Sign("x"));  // Ed25519 is deterministic
}

TEST(BoxTest, SealedBoxRoundTripAndTamperRejection) {
  auto pair = BoxKeyPair::Generate();
  ASSERT_TRUE(pair.ok());
  const SecretBytes plain = Secret("case share bytes");
  auto sealed = SealTo(pair->public_key(), plain);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), plain.size() + kSealOverhead);
  auto opened = pair->Open(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->Equals(plain));
  for (size_t i : {size_t{0}, size_t{40}, sealed->size() - 1}) {
    std::string bad = *sealed;
    bad[i] ^= 0x01;
    auto r = pair->Open(bad);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  }
  EXPECT_EQ(pair->Open(sealed->substr(0, kSealOverhead - 1)).status().code(),
            Status::Code::kCorruption);
  auto other = BoxKeyPair::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->Open(*sealed).ok());
  // The string_view overload, and an empty plaintext.
  auto s2 = SealTo(pair->public_key(), std::string_view("public text"));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(View(pair->Open(*s2).value()), "public text");
  auto s3 = SealTo(pair->public_key(), std::string_view());
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->size(), kSealOverhead);
  EXPECT_TRUE(pair->Open(*s3).value().empty());
  // libsodium opens what the helper seals.
  std::string raw(plain.size(), '\0');
  EXPECT_EQ(crypto_box_seal_open(reinterpret_cast<unsigned char*>(raw.data()),
                                 reinterpret_cast<const unsigned char*>(sealed->data()),
                                 sealed->size(),
                                 reinterpret_cast<const unsigned char*>(
                                     pair->public_key().bytes().data()),
                                 pair->secret().insecure_data()),
            0);
  EXPECT_EQ(raw, View(plain));
}

TEST(BoxTest, FromSecretDerivesThePublicKeyOfGenerate) {
  auto pair = BoxKeyPair::Generate();
  ASSERT_TRUE(pair.ok());
  auto again = BoxKeyPair::FromSecret(pair->secret());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), pair->public_key());
  EXPECT_TRUE(again->secret().Equals(pair->secret()));
  auto sealed = SealTo(pair->public_key(), std::string_view("x"));
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(again->Open(*sealed).ok());
  EXPECT_FALSE(BoxKeyPair::FromSecret(Secret(std::string(31, 'k'))).ok());
  EXPECT_FALSE(BoxPublicKey::FromBytes(std::string(33, 'k')).ok());
  auto pk = BoxPublicKey::FromBytes(pair->public_key().bytes());
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(*pk, pair->public_key());
}

TEST(KdfTest, DeriveSubkeyMatchesCryptoKdf) {
  const SecretBytes master = Secret(std::string(32, '\x07'));
  for (uint64_t id : {1, 2}) {
    auto k = DeriveSubkey(master, "TVaudsg1", id);
    ASSERT_TRUE(k.ok());
    std::string want(32, '\0');
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(want.data()), want.size(), id,
                               "TVaudsg1", master.insecure_data());
    EXPECT_EQ(View(*k), want);
  }
  EXPECT_NE(View(DeriveSubkey(master, "TVaudsg1", 1).value()),
            View(DeriveSubkey(master, "TVaudsg2", 1).value()));
  EXPECT_FALSE(DeriveSubkey(master, "short", 1).ok());
  EXPECT_FALSE(DeriveSubkey(Secret("short"), "TVaudsg1", 1).ok());
}

TEST(KdfTest, PassphraseKeyIsDeterministicAndSalted) {
  const PassphraseCost cost = PassphraseCostOf(PassphraseLevel::kMinimum);
  const SecretBytes pass = Secret("correct horse");
  const std::string salt(kPassphraseSaltBytes, 's');
  auto a = DerivePassphraseKey(pass, salt, cost, 32);
  auto b = DerivePassphraseKey(pass, salt, cost, 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->Equals(*b));
  auto c = DerivePassphraseKey(pass, std::string(kPassphraseSaltBytes, 't'), cost, 32);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(a->Equals(*c));
  std::string want(32, '\0');
  ASSERT_EQ(crypto_pwhash(reinterpret_cast<unsigned char*>(want.data()), want.size(),
                          "correct horse", 13, reinterpret_cast<const unsigned char*>(salt.data()),
                          cost.opslimit, cost.memlimit, crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_EQ(View(*a), want);
  EXPECT_FALSE(DerivePassphraseKey(pass, "short salt", cost, 32).ok());
  EXPECT_EQ(PassphraseCostOf(PassphraseLevel::kModerate).memlimit, 256u << 20);
}

TEST(SecretBytesTest, SliceAndConcat) {
  const SecretBytes a = Secret("abc"), b = Secret("defg");
  auto ab = SecretBytes::Concat(a, b);
  ASSERT_TRUE(ab.ok());
  EXPECT_EQ(View(*ab), "abcdefg");
  EXPECT_EQ(View(ab->Slice(2, 3).value()), "cde");
  EXPECT_TRUE(ab->Slice(7, 0).ok());
  EXPECT_FALSE(ab->Slice(5, 3).ok());
  EXPECT_FALSE(ab->Slice(8, 0).ok());
}

// Legal hold's formats: a key sealed as label || key, opened and checked.
TEST(BoxTest, BoundKeySealsLabelThenKeyAndChecksTheLabel) {
  auto pair = BoxKeyPair::Generate();
  ASSERT_TRUE(pair.ok());
  const std::string label("TV-hold-v1\0" "0123456789abcdef", 27);
  const SecretBytes key = Secret(std::string(32, 'k'));
  auto sealed = SealBoundKey(pair->public_key(), label, key);
  ASSERT_TRUE(sealed.ok());
  ASSERT_EQ(sealed->size(), kSealOverhead + label.size() + 32);
  // The plaintext is exactly label || key.
  auto plain = pair->Open(*sealed);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(View(*plain), label + std::string(32, 'k'));
  auto opened = OpenBoundKey(*pair, *sealed, label, 32);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(View(*opened), std::string(32, 'k'));

  std::string other_label = label;
  other_label.back() = 'x';
  EXPECT_EQ(OpenBoundKey(*pair, *sealed, other_label, 32).status().reason(), "sealed_label");
  EXPECT_EQ(OpenBoundKey(*pair, *sealed, label, 31).status().reason(), "sealed_size");
  std::string tampered = *sealed;
  tampered[kSealOverhead] ^= 1;
  EXPECT_EQ(OpenBoundKey(*pair, tampered, label, 32).status().reason(), "sealed_open");
  auto stranger = BoxKeyPair::Generate();
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(OpenBoundKey(*stranger, *sealed, label, 32).status().reason(), "sealed_open");
}

TEST(HashTest, KeyCommitmentHashesLabelThenKey) {
  const SecretBytes key = Secret("0123456789abcdef0123456789abcdef");
  EXPECT_EQ(KeyCommitment("TV-share-cmt-v1", "case\x01", key, 32),
            Hasher::Create("TV-share-cmt-v1", 32)
                .Update("case\x01")
                .Update("0123456789abcdef0123456789abcdef")
                .Final());
  EXPECT_NE(KeyCommitment("TV-share-cmt-v1", "case\x02", key, 32),
            KeyCommitment("TV-share-cmt-v1", "case\x01", key, 32));
}

}  // namespace
}  // namespace vault
