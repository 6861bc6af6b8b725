#include "vault/common/file_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace vault {
namespace {

class ReadSmallFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = std::string(VAULT_TEST_TMPDIR) + "/read-small-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string dir_;
};

TEST_F(ReadSmallFileTest, ReadsEveryByteOfALargeFile) {
  std::string content(3 * (1 << 20) + 123, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 4096);
  auto read = ReadSmallFile(Write("big", content), content.size());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->size(), content.size());
  EXPECT_TRUE(*read == content);
}

TEST_F(ReadSmallFileTest, ReadsAnEmptyFile) {
  auto read = ReadSmallFile(Write("empty", ""), 10);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
}

TEST_F(ReadSmallFileTest, RefusesAFileOverTheLimit) {
  auto read = ReadSmallFile(Write("eleven", "hello world"), 10);
  EXPECT_EQ(read.status().code(), Status::Code::kCorruption);
  auto exact = ReadSmallFile(Write("ten", "0123456789"), 10);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(*exact, "0123456789");
}

TEST_F(ReadSmallFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadSmallFile(dir_ + "/nope", 10).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace vault
