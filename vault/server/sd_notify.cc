#include "vault/server/sd_notify.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vault {

Status NotifyServiceManager(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (env == nullptr || env[0] == '\0') return Status::OK();
  const std::string path = env;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() > sizeof(addr.sun_path) || (path[0] != '/' && path[0] != '@')) {
    return Status::InvalidArgument("NOTIFY_SOCKET is not a Unix socket path");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("notify socket: ") + std::strerror(errno));
  const ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                              reinterpret_cast<const sockaddr*>(&addr), len);
  const int saved_errno = errno;
  close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    return Status::IOError(std::string("cannot notify service manager: ") +
                           std::strerror(saved_errno));
  }
  return Status::OK();
}

}  // namespace vault
