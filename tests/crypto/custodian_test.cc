#include "vault/crypto/custodian.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

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

}  // namespace
}  // namespace vault
