// Small POSIX file helpers with fsync discipline. Errors become IOError
// statuses naming the path and errno text.
#ifndef VAULT_COMMON_FILE_UTIL_H_
#define VAULT_COMMON_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

// Writes `contents` to `path` atomically: a temporary file beside it (mode
// `mode`), fsync, rename over `path`, fsync of the directory. After a crash
// `path` holds either the old or the new contents, never a mix.
Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode);
// Reads a whole file of at most `max_bytes`.
StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);
// Reads a whole file of at most `max_bytes` into the start of *buffer and
// returns its size; bytes of *buffer past it are left over from earlier use.
// *buffer only grows, so reading many files through one buffer zeroes and
// maps its memory once.
StatusOr<size_t> ReadFileInto(const std::string& path, size_t max_bytes, std::string* buffer);
Status FsyncDirectory(const std::string& dir);
// Creates `dir` (and parents) with `mode` if missing.
Status EnsureDirectory(const std::string& dir, int mode);
bool FileExists(const std::string& path);
// IOError "<what> <path>: <strerror(errno)>", for a call that just failed.
Status ErrnoError(const std::string& what, const std::string& path);
// unlink(), where a file that is not there is not an error.
Status RemoveFileIfPresent(const std::string& path);
// For a file that held a secret (a key file): overwrites its bytes with
// zeros through the inode and syncs them, then removes the name and syncs the
// directory. Every other name of the inode then reads zeros. Where the file
// system rewrites in place (not copy-on-write, not an SSD's remapping) the
// bytes are gone. OK if there is no such file.
Status OverwriteAndRemoveFile(const std::string& path);
std::string DirName(const std::string& path);

// FailedPrecondition "writable_by_others" if `dir` can be written by users
// other than its owner and group (mode o+w), IOError if it cannot be stat'ed.
// `what` names it in the message ("data directory", "socket directory").
Status CheckNotWritableByOthers(const std::string& dir, std::string_view what);

// An exclusive advisory lock (flock) on a lock file, held until destruction
// or process exit: one vaultd per data directory. The file records the pid of
// the holder for operators; the lock, not the file, is what counts, so a lock
// file left behind by a killed process never blocks a restart.
class DirectoryLock {
 public:
  // FailedPrecondition "data_dir_locked" if another process holds the lock.
  static StatusOr<DirectoryLock> Acquire(const std::string& path);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  DirectoryLock(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace vault

#endif  // VAULT_COMMON_FILE_UTIL_H_
