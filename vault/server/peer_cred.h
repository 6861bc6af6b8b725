// Peer credentials of a Unix-socket connection (SO_PEERCRED): who is calling.
//
// The kernel records the peer's uid, gid and pid at connect() time; they
// cannot be forged by the peer. Roles (writer, agent, officer, auditor,
// admin) are derived from them by the router (vault/access.h).
#ifndef VAULT_SERVER_PEER_CRED_H_
#define VAULT_SERVER_PEER_CRED_H_

#include <cstdint>
#include <vector>

#include "vault/status.h"

namespace vault {

struct PeerCred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
  std::vector<uint32_t> groups;  // supplementary groups (SO_PEERGROUPS)
};

// Reads SO_PEERCRED and SO_PEERGROUPS of the connected socket `fd`. IOError if the kernel
// refuses (e.g. `fd` is not a Unix socket).
StatusOr<PeerCred> ReadPeerCred(int fd);

}  // namespace vault

#endif  // VAULT_SERVER_PEER_CRED_H_
