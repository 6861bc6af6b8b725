// Test helpers for a nearly full file system (normally a small tmpfs): how
// much is free, a filler file that takes all of it, or all but a given
// amount. Used by the store's and vaultd's full-disk tests.
#ifndef VAULT_TESTS_SUPPORT_FREE_SPACE_H_
#define VAULT_TESTS_SUPPORT_FREE_SPACE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace vault::testing {

// Bytes an unprivileged writer may still use on the file system of `dir`.
inline uint64_t FreeBytes(const std::string& dir) {
  struct statvfs st {};
  EXPECT_EQ(::statvfs(dir.c_str(), &st), 0) << std::strerror(errno);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Appends to `filler` until its file system is full.
inline void FillWith(const std::string& filler) {
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const std::string block(4096, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

// Grows or shrinks `filler` so that about `bytes` stay free on its file
// system.
inline void LeaveFree(const std::string& filler, uint64_t bytes) {
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string dir = filler.substr(0, filler.rfind('/'));
  const uint64_t free_now = FreeBytes(dir.empty() ? "/" : dir);
  if (free_now > bytes) {
    ASSERT_EQ(::posix_fallocate(fd, static_cast<off_t>(size), static_cast<off_t>(free_now - bytes)),
              0);
  } else {
    const uint64_t shrink = std::min(size, bytes - free_now);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size - shrink)), 0);
  }
  ::close(fd);
}

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_FREE_SPACE_H_
