#include "vault/common/file_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vault {
namespace {

Status Errno(const std::string& what, const std::string& path) { return ErrnoError(what, path); }

}  // namespace

Status ErrnoError(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status RemoveFileIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return Status::OK();
}

Status OverwriteAndRemoveFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return Errno("cannot open", path);
  }
  struct stat st;
  Status s;
  if (::fstat(fd, &st) != 0) {
    s = Errno("cannot stat", path);
  } else {
    const std::string zeros(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (s.ok() && done < zeros.size()) {
      const ssize_t n =
          ::pwrite(fd, zeros.data() + done, zeros.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        s = Errno("cannot overwrite", path);
      } else {
        done += static_cast<size_t>(n);
      }
    }
    if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot fsync", path);
  }
  ::close(fd);
  VAULT_RETURN_IF_ERROR(s);
  VAULT_RETURN_IF_ERROR(RemoveFileIfPresent(path));
  return FsyncDirectory(DirName(path));
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status FsyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync directory", dir);
  return Status::OK();
}

Status EnsureDirectory(const std::string& dir, int mode) {
  if (dir.empty()) return Status::InvalidArgument("empty directory path");
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    prefix = dir.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Errno("cannot create directory", prefix);
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IOError("not a directory: " + dir);
  }
  return Status::OK();
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot write", tmp);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("cannot fsync", tmp);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Errno("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename onto", path);
  return FsyncDirectory(DirName(path));
}

StatusOr<size_t> ReadFileInto(const std::string& path, size_t max_bytes, std::string* buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return Errno("cannot open", path);
  }
  // Sized from fstat and read in large chunks straight into the buffer, so
  // a 16 MiB audit segment costs a few reads, not 4,096 reads and a string
  // that doubles (and is copied) two dozen times. The buffer only grows: a
  // caller reading many files into one buffer pays for zeroing and mapping
  // its pages once, not per file (start-up reads every audit segment this
  // way). The file may still grow or shrink meanwhile: reading goes on
  // until EOF.
  struct stat st;
  size_t expected = 0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    expected = std::min(static_cast<size_t>(st.st_size), max_bytes);
  }
  constexpr size_t kChunk = 1 << 20;
  if (buffer->size() < expected + 1) buffer->resize(expected + 1);  // a spare byte to see EOF
  size_t used = 0;
  for (;;) {
    if (used == buffer->size()) buffer->resize(buffer->size() + kChunk);
    const ssize_t n = ::read(fd, buffer->data() + used, std::min(buffer->size() - used, kChunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
      ::close(fd);
      return Status::Corruption("file is larger than expected: " + path);
    }
  }
  ::close(fd);
  return used;
}

StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  std::string out;
  VAULT_ASSIGN_OR_RETURN(const size_t used, ReadFileInto(path, max_bytes, &out));
  out.resize(used);
  return out;
}

Status CheckNotWritableByOthers(const std::string& dir, std::string_view what) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return Errno("cannot stat", dir);
  if ((st.st_mode & S_IWOTH) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition(std::string(what) + " " + dir + " is writable by others (mode " +
                                          mode + "); run chmod o-w on it",
                                      "writable_by_others");
  }
  return Status::OK();
}

StatusOr<DirectoryLock> DirectoryLock::Acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("cannot open lock file", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition(
          "another vaultd holds the data directory (lock file " + path + ")", "data_dir_locked");
    }
    errno = err;
    return Errno("cannot lock", path);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    Status s = Errno("cannot write lock file", path);
    ::close(fd);
    return s;
  }
  return DirectoryLock(fd);
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace vault
