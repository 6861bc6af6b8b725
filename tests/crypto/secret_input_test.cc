// Reading passphrases into guarded memory (vault/crypto/secret_input.h).
#include "vault/crypto/secret_input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace vault {
namespace {

std::string Text(const SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.insecure_data()), s.size());
}

// Writes `bytes` into a pipe, closes the write end, and returns the read end.
int PipeWith(const std::string& bytes) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  EXPECT_EQ(::write(fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fds[1]);
  return fds[0];
}

TEST(SecretInputTest, ReadsOneLineAndLeavesTheRestUnread) {
  const int fd = PipeWith("correct horse\nnext line\n");
  auto secret = ReadSecretLine(fd, 64);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(Text(*secret), "correct horse");
  auto next = ReadSecretLine(fd, 64);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Text(*next), "next line") << "nothing past the first newline was consumed";
  ::close(fd);
}

TEST(SecretInputTest, DropsACarriageReturnAndAcceptsEndOfFileWithoutNewline) {
  int fd = PipeWith("windows\r\n");
  auto a = ReadSecretLine(fd, 64);
  ::close(fd);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Text(*a), "windows");
  fd = PipeWith("no newline");
  auto b = ReadSecretLine(fd, 64);
  ::close(fd);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Text(*b), "no newline");
}

TEST(SecretInputTest, ExactlyTheLimitIsAcceptedOneMoreIsRefused) {
  int fd = PipeWith(std::string(16, 'x') + "\n");
  auto fits = ReadSecretLine(fd, 16);
  ::close(fd);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->size(), 16u);
  fd = PipeWith(std::string(17, 'x') + "\n");
  auto too_long = ReadSecretLine(fd, 16);
  ::close(fd);
  EXPECT_EQ(too_long.status().reason(), "secret_too_long");
}

TEST(SecretInputTest, ReadsTheFirstLineOfAFileAndNamesAMissingOne) {
  vault::testing::TempDir dir;
  const std::string path = dir.path() + "/pass";
  std::ofstream(path) << "from a file\nignored\n";
  auto secret = ReadSecretFile(path, 64);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(Text(*secret), "from a file");
  EXPECT_EQ(ReadSecretFile(dir.path() + "/missing", 64).status().reason(), "secret_unreadable");
}

TEST(SecretInputTest, TakingFromTheEnvironmentZeroesAndUnsetsTheVariable) {
  ASSERT_EQ(::setenv("VAULT_TEST_SECRET", "env secret", 1), 0);
  char* before = std::getenv("VAULT_TEST_SECRET");
  ASSERT_NE(before, nullptr);
  auto taken = TakeSecretFromEnvironment("VAULT_TEST_SECRET", 64);
  ASSERT_TRUE(taken.has_value());
  ASSERT_TRUE(taken->ok());
  EXPECT_EQ(Text(**taken), "env secret");
  EXPECT_EQ(std::getenv("VAULT_TEST_SECRET"), nullptr);
  // setenv copies the value into memory the environment owns; its bytes are
  // wiped before the variable is removed.
  EXPECT_EQ(std::string(before, 10), std::string(10, '\0'));
  EXPECT_FALSE(TakeSecretFromEnvironment("VAULT_TEST_SECRET", 64).has_value());
}

}  // namespace
}  // namespace vault
