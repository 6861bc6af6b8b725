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
Status FsyncDirectory(const std::string& dir);
// Creates `dir` (and parents) with `mode` if missing.
Status EnsureDirectory(const std::string& dir, int mode);
bool FileExists(const std::string& path);
std::string DirName(const std::string& path);

}  // namespace vault

#endif  // VAULT_COMMON_FILE_UTIL_H_
