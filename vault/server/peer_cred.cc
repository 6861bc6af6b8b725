#include "vault/server/peer_cred.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <string>

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
  return peer;
}

}  // namespace vault
