// The systemd notify protocol (sd_notify(3)), without libsystemd: one
// datagram with newline-separated "KEY=value" assignments, sent to the Unix
// socket named by $NOTIFY_SOCKET. A leading '@' names an abstract socket.
//
// vaultd sends "READY=1" once it listens and "STOPPING=1" when it begins to
// shut down. Tests use the same protocol to know when the daemon is ready.
#ifndef VAULT_SERVER_SD_NOTIFY_H_
#define VAULT_SERVER_SD_NOTIFY_H_

#include <string_view>

#include "vault/status.h"

namespace vault {

// Sends `state` to $NOTIFY_SOCKET. OK (and nothing sent) if it is unset.
Status NotifyServiceManager(std::string_view state);

}  // namespace vault

#endif  // VAULT_SERVER_SD_NOTIFY_H_
