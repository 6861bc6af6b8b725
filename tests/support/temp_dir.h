// Test helpers: a scratch directory removed at the end of the test, and a
// scan of every byte of every file under a directory.
#ifndef VAULT_TESTS_SUPPORT_TEMP_DIR_H_
#define VAULT_TESTS_SUPPORT_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vault::testing {

class TempDir {
 public:
  TempDir() : TempDir(std::string(VAULT_TEST_TMPDIR) + "/t-") {}
  // A directory whose path is `prefix` and six random characters.
  explicit TempDir(const std::string& prefix) {
    std::string tmpl = prefix + "XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Files under `root` (recursively) whose bytes contain `needle`.
inline std::vector<std::string> FilesContaining(const std::string& root,
                                                const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    if (ReadFileBytes(e.path().string()).find(needle) != std::string::npos) {
      hits.push_back(e.path().string());
    }
  }
  return hits;
}

inline bool FileExistsForTest(const std::string& path) {
  return std::filesystem::exists(path);
}

inline size_t CountFiles(const std::string& root) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_TEMP_DIR_H_
