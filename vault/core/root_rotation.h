// Root key rotation: the files sealed under the root key move to a new one,
// and a crash at any step leaves a vault that starts with the old key or the
// new one, never neither (docs/design.md, section 10.1).
//
// The root key seals three files in <data_dir>/keys: keyring, audit.key and
// safeguarding. A rotation (RotateRootKey in vault/vault.h, run offline by
// `vaultd --rotate-root-key` under the data directory's lock) writes
//
//   1. keys/root-rotation   the marker: both keys' fingerprints, the time;
//   2. <key file>.next      the new key (for a systemd credential:
//                           keys/root.key.next, for the operator to seal);
//   3. keys/<file>.next     each sealed file resealed under the new key;
//   4. commit (key file only): <key file>.next renamed over the key file, and
//      the old key's bytes overwritten through a descriptor kept open;
//   5. each keys/<file>.next renamed over keys/<file>.
//
// RecoverRootRotation runs at every start with the key the vault starts with
// (K): for each sealed file, the copy that opens under K is kept and the other
// removed; then a leftover next key is destroyed. So before the commit the
// rotation rolls back, after it rolls forward; with a credential, the key
// systemd hands over decides. The marker stays until the start that follows
// has audited the outcome (root_key.rotate, with both fingerprints).
#ifndef VAULT_CORE_ROOT_ROTATION_H_
#define VAULT_CORE_ROOT_ROTATION_H_

#include <optional>
#include <string>

#include "vault/crypto/secret.h"
#include "vault/options.h"
#include "vault/status.h"

namespace vault {

struct RootKeyPaths {
  std::string keys_dir;
  std::string key_file;  // the key's source: a key file, or the credential's file
  bool from_credential = false;
  std::string next_file;    // where a rotation puts the next key
  std::string marker_file;  // keys/root-rotation
};
RootKeyPaths ResolveRootKeyPaths(const Options& options);

// Completes or rolls back an interrupted rotation, as above. Runs under the
// data directory's lock, before anything sealed under the root key is opened.
Status RecoverRootRotation(const RootKeyPaths& paths, const SecretBytes& root_key);

// What the marker says, if there is one.
struct RotationMarker {
  std::string old_fingerprint;
  std::string new_fingerprint;
  int64_t started_at_ms = 0;
};
StatusOr<std::optional<RotationMarker>> ReadRotationMarker(const RootKeyPaths& paths);
// Removes the marker once its outcome is audited.
Status RemoveRotationMarker(const RootKeyPaths& paths);

}  // namespace vault

#endif  // VAULT_CORE_ROOT_ROTATION_H_
