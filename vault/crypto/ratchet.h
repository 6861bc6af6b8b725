// The epoch ratchet: a one-way chain of 32-byte states, one per epoch.
// Spec: docs/formats/keyring-file.md.
//
//   state[e+1]     = KDF(state[e], id 1, context "TVratch1")
//   epoch_key[e]   = KDF(state[e], id 2, context "TVratch1")
//
// KDF is libsodium's crypto_kdf_derive_from_key (keyed BLAKE2b-256 with the
// subkey id as salt and the context as personalisation). Holding state[e]
// yields every epoch key from e on and, BLAKE2b being one-way, none before.
// Destroying epoch e therefore means replacing state[e] by state[e+1].
//
// Thread safety: stateless functions.
#ifndef VAULT_CRYPTO_RATCHET_H_
#define VAULT_CRYPTO_RATCHET_H_

#include <cstdint>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault::ratchet {

constexpr size_t kStateBytes = 32;

// state[e + steps] from state[e].
StatusOr<SecretBytes> Advance(const SecretBytes& state, uint64_t steps);
// epoch_key[e] from state[e].
StatusOr<SecretBytes> EpochKey(const SecretBytes& state);

}  // namespace vault::ratchet

#endif  // VAULT_CRYPTO_RATCHET_H_
