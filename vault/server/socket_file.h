// The listening socket's file: claiming its path at startup and removing it
// at shutdown.
//
// At startup a socket file may be left over from a daemon that was killed.
// It is removed only if nothing answers a connect() on it; if something does,
// another vaultd is running and this one must not steal its path. A path that
// exists and is not a socket is never removed.
//
// At shutdown the file is removed only if it is still the one this process
// bound (same device and inode), and while this process still listens on it:
// no successor can have claimed the path then (ClaimSocketPath would have
// found us listening), and the inode number cannot have been reused.
#ifndef VAULT_SERVER_SOCKET_FILE_H_
#define VAULT_SERVER_SOCKET_FILE_H_

#include <sys/types.h>

#include <string>

#include "vault/status.h"

namespace vault {

// The longest path a sockaddr_un can hold (sun_path minus the NUL).
size_t MaxSocketPathLength();

// Makes `path` free for bind(). InvalidArgument if the path is too long;
// FailedPrecondition "writable_by_others" if its directory is (mode o+w);
// FailedPrecondition "socket_in_use" if another process listens on it, or if
// it exists and is not a socket; IOError if a stale socket cannot be removed.
Status ClaimSocketPath(const std::string& path);

// Identity of a file, to recognise our own socket later.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
};
StatusOr<FileIdentity> IdentifyFile(const std::string& path);

// Unlinks `path` if it is still the file `identity` names.
void RemoveSocketFileIfOurs(const std::string& path, const FileIdentity& identity);

}  // namespace vault

#endif  // VAULT_SERVER_SOCKET_FILE_H_
