// Peer credentials of a Unix-socket connection (SO_PEERCRED): who is calling.
//
// The kernel records the peer's uid, gid and pid at connect() time; they
// cannot be forged by the peer. Roles (writer, agent, officer, auditor,
// admin) will be derived from uid/gid by the router's authorization step.
#ifndef VAULT_SERVER_PEER_CRED_H_
#define VAULT_SERVER_PEER_CRED_H_

#include <cstdint>

#include "vault/status.h"

namespace vault {

struct PeerCred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
};

// Reads SO_PEERCRED of the connected socket `fd`. IOError if the kernel
// refuses (e.g. `fd` is not a Unix socket).
StatusOr<PeerCred> ReadPeerCred(int fd);

}  // namespace vault

#endif  // VAULT_SERVER_PEER_CRED_H_
