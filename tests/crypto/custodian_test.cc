#include "vault/crypto/custodian.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include <sodium.h>

#include "vault/crypto/aead.h"

#include "tests/support/temp_dir.h"

namespace vault {
namespace {

TEST(KeyFileCustodian, CreatesA0600KeyFileOnceAndReloadsTheSameKey) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/root.key";
  auto c = KeyFileCustodian::Open(path, /*create_if_missing=*/true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k1 = (*c)->LoadRootKey();
  auto again = KeyFileCustodian::Open(path, true);
  ASSERT_TRUE(again.ok());
  auto k2 = (*again)->LoadRootKey();
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_EQ(k1->size(), kRootKeyBytes);
  EXPECT_TRUE(k1->Equals(*k2));
  EXPECT_EQ(testing::ReadFileBytes(path).rfind("tv-root-key-v1:", 0), 0u);
}

TEST(KeyFileCustodian, MissingConfiguredFileIsAnErrorNotANewKey) {
  testing::TempDir dir;
  auto c = KeyFileCustodian::Open(dir.path() + "/absent.key", /*create_if_missing=*/false);
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(testing::CountFiles(dir.path()) > 0);
}

TEST(KeyFileCustodian, RefusesAFileOthersCanRead) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/root.key";
  ASSERT_TRUE(KeyFileCustodian::Open(path, true).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto c = KeyFileCustodian::Open(path, true);
  EXPECT_EQ(c.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("0644"), std::string::npos);
}

TEST(KeyFileCustodian, RefusesMalformedContents) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/root.key";
  {
    std::ofstream out(path);
    out << "tv-root-key-v1:" << std::string(64, 'z') << "\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(KeyFileCustodian::Open(path, false).status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace vault

namespace vault {
namespace {

// A creation interrupted by a crash leaves at most a temporary file, never an
// empty or partial key file in place: the next start creates the key anew.
TEST(KeyFileCustodian, ALeftoverFromAnInterruptedCreationDoesNotBlockTheNextStart) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/root.key";
  { std::ofstream partial(path + ".new"); }  // empty, as after a kill mid-write
  auto c = KeyFileCustodian::Open(path, /*create_if_missing=*/true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 64);
  EXPECT_NE(stat((path + ".new").c_str(), &st), 0) << "the temporary file was left behind";
}

TEST(RootKey, FingerprintIsStablePerKeyDistinctBetweenKeysAndNotASubkey) {
  auto a = SecretBytes::Random(kRootKeyBytes);
  auto b = SecretBytes::Random(kRootKeyBytes);
  ASSERT_TRUE(a.ok() && b.ok());
  auto fa = RootKeyFingerprint(*a);
  auto fa2 = RootKeyFingerprint(*a);
  auto fb = RootKeyFingerprint(*b);
  ASSERT_TRUE(fa.ok() && fa2.ok() && fb.ok());
  EXPECT_EQ(fa->size(), 32u);
  EXPECT_EQ(fa->find_first_not_of("0123456789abcdef"), std::string::npos) << *fa;
  EXPECT_EQ(*fa, *fa2);
  EXPECT_NE(*fa, *fb);
  // Not the beginning of any subkey that seals something.
  for (RootSubkey purpose :
       {RootSubkey::kKeyring, RootSubkey::kAuditSigner, RootSubkey::kSafeguarding}) {
    auto sub = DeriveRootSubkey(*a, purpose);
    ASSERT_TRUE(sub.ok());
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, sub->insecure_data(), 16);
    EXPECT_NE(*fa, std::string(hex));
  }
}

TEST(RootKey, ResealMovesAFileToAnotherKeyAndKeepsItsHeader) {
  auto from = SecretBytes::Random(kRootKeyBytes);
  auto to = SecretBytes::Random(kRootKeyBytes);
  ASSERT_TRUE(from.ok() && to.ok());
  auto sub = DeriveRootSubkey(*from, RootSubkey::kAuditSigner);
  ASSERT_TRUE(sub.ok());
  const std::string header("TVAUDKEY\0\0\0\1", 12);
  auto plain = SecretBytes::Random(100);
  ASSERT_TRUE(plain.ok());
  std::string file = header;
  ASSERT_TRUE(aead::SealSecret(*sub, *plain, header, &file).ok());
  ASSERT_TRUE(OpensUnderRoot(file, RootSubkey::kAuditSigner, *from));

  auto moved = ResealRootFile(file, RootSubkey::kAuditSigner, *from, *to);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->substr(0, 12), header);
  EXPECT_TRUE(OpensUnderRoot(*moved, RootSubkey::kAuditSigner, *to));
  EXPECT_FALSE(OpensUnderRoot(*moved, RootSubkey::kAuditSigner, *from));
  // Another purpose's subkey of the right root key does not open it.
  EXPECT_FALSE(OpensUnderRoot(*moved, RootSubkey::kKeyring, *to));
  auto to_sub = DeriveRootSubkey(*to, RootSubkey::kAuditSigner);
  ASSERT_TRUE(to_sub.ok());
  auto opened = aead::OpenSecret(*to_sub, std::string_view(*moved).substr(12), header);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->Equals(*plain));

  // The wrong key, a changed header, or a truncated file: refused.
  EXPECT_EQ(ResealRootFile(file, RootSubkey::kAuditSigner, *to, *from).status().reason(),
            "root_key_mismatch");
  std::string tampered = file;
  tampered[11] = '\2';
  EXPECT_FALSE(ResealRootFile(tampered, RootSubkey::kAuditSigner, *from, *to).ok());
  EXPECT_FALSE(OpensUnderRoot(tampered, RootSubkey::kAuditSigner, *from));
  EXPECT_FALSE(ResealRootFile(file.substr(0, 11), RootSubkey::kAuditSigner, *from, *to).ok());
  EXPECT_FALSE(OpensUnderRoot("", RootSubkey::kAuditSigner, *from));
}

TEST(RootKey, WriteRootKeyFileNeverReplacesAKey) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/root.key.next";
  auto key = SecretBytes::Random(kRootKeyBytes);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(WriteRootKeyFile(path, *key).ok());
  auto c = KeyFileCustodian::Open(path, false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE((*c)->LoadRootKey()->Equals(*key));
  auto other = SecretBytes::Random(kRootKeyBytes);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(WriteRootKeyFile(path, *other).ok());
  EXPECT_TRUE((*c)->LoadRootKey()->Equals(*key));
  EXPECT_FALSE(testing::FileExistsForTest(path + ".new"));
}

}  // namespace
}  // namespace vault
