// Failpoints: named places where vaultd can be made to die on purpose, so
// crash tests can kill it at an exact step (e.g. between destroying a key and
// purging its records) instead of at a random moment.
//
// Inert unless the environment variable VAULT_FAILPOINT names the point when
// the process starts; then reaching it sends SIGKILL to the process itself,
// exactly like a kill -9 from outside. Names in use: docs/design.md.
#ifndef VAULT_COMMON_FAILPOINT_H_
#define VAULT_COMMON_FAILPOINT_H_

#include <string_view>

namespace vault {

void Failpoint(std::string_view name);

}  // namespace vault

#endif  // VAULT_COMMON_FAILPOINT_H_
