#include "vault/server/peer_cred.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace vault {

StatusOr<PeerCred> ReadPeerCred(int fd) {
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    return Status::IOError(std::string("cannot read peer credentials: ") + std::strerror(errno));
  }
  PeerCred peer;
  peer.uid = cred.uid;
  peer.gid = cred.gid;
  peer.pid = cred.pid;
  // The supplementary groups as of connect(); grants may name any of them.
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 4; ++attempt) {
    socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
      groups.resize(bytes / sizeof(gid_t));
      peer.groups.assign(groups.begin(), groups.end());
      return peer;
    }
    if (errno != ERANGE) {
      return Status::IOError(std::string("cannot read peer groups: ") + std::strerror(errno));
    }
    groups.resize(bytes / sizeof(gid_t) + 1);  // the kernel reports the size it needs
  }
  return Status::IOError("cannot read peer groups: the list keeps growing");
}

}  // namespace vault
