#include "vault/server/socket_file.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vault/common/file_util.h"

namespace vault {

namespace {

std::string Errno() { return std::strerror(errno); }

// True if a process accepts connections on `path`. Non-blocking, so a
// listener with a full backlog (EAGAIN) counts as listening instead of
// stalling startup.
bool SomeoneListens(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const bool listening = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
  close(fd);
  return listening;
}

}  // namespace

size_t MaxSocketPathLength() { return sizeof(sockaddr_un::sun_path) - 1; }

Status ClaimSocketPath(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("socket path is empty");
  if (path.size() > MaxSocketPathLength()) {
    return Status::InvalidArgument("socket path " + path + " is longer than " +
                                   std::to_string(MaxSocketPathLength()) + " bytes");
  }
  // Whoever can write the directory can replace the socket with their own.
  if (Status status = CheckNotWritableByOthers(DirName(path), "socket directory"); !status.ok()) {
    return status;
  }
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("cannot stat " + path + ": " + Errno());
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(path + " exists and is not a socket", "socket_in_use");
  }
  if (SomeoneListens(path)) {
    return Status::FailedPrecondition("another vaultd is listening on " + path, "socket_in_use");
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("cannot remove stale socket " + path + ": " + Errno());
  }
  return Status::OK();
}

StatusOr<FileIdentity> IdentifyFile(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return Status::IOError("cannot stat " + path + ": " + Errno());
  FileIdentity identity;
  identity.dev = st.st_dev;
  identity.ino = st.st_ino;
  return identity;
}

void RemoveSocketFileIfOurs(const std::string& path, const FileIdentity& identity) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (st.st_dev == identity.dev && st.st_ino == identity.ino) unlink(path.c_str());
}

}  // namespace vault
