// Root key rotation: the files sealed under the root key move to a new one,
// and a crash at any step leaves a vault that starts with the old key or the
// new one, never neither (docs/design.md, section 10.1).
//
// The root key seals three files in <data_dir>/keys: keyring, audit.key and
// safeguarding. A rotation (RotateRootKey in vault/vault.h, run offline by
// `vaultd --rotate-root-key` under the data directory's lock) writes
//
//   1. keys/root-rotation   the marker: both keys' fingerprints, the time;
//   2. <key file>.next      the new key (key file only; for a systemd
//                           credential the new key goes to the operator);
//   3. keys/<file>.next     each sealed file resealed under the new key;
//   4. commit (key file only): <key file>.old linked to the old key, and
//      <key file>.next renamed over the key file;
//   5. the recovery below, with the new key.
//
// RecoverRootRotation runs at every start with the key the vault starts with
// (K): the marker's fingerprints decide the direction for every file at
// once, forward if K is the new key and back if K is the old one, and only
// after checking that the whole direction can be completed; then the old and
// next key files left over are overwritten and removed. The marker stays
// until the start that follows has audited the outcome (root_key.rotate).
#ifndef VAULT_CORE_ROOT_ROTATION_H_
#define VAULT_CORE_ROOT_ROTATION_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vault/crypto/secret.h"
#include "vault/options.h"
#include "vault/status.h"

namespace vault {

struct RootKeyPaths {
  std::string keys_dir;
  std::string key_file;  // the key's source: a key file, or the credential's file
  bool from_credential = false;
  std::string next_file;    // key file only: where a rotation puts the next key
  std::string old_file;     // key file only: the old key's second name until overwritten
  std::string marker_file;  // keys/root-rotation
};
RootKeyPaths ResolveRootKeyPaths(const Options& options);

// What the marker says, if there is one.
struct RotationMarker {
  std::string old_fingerprint;
  std::string new_fingerprint;
  int64_t started_at_ms = 0;
  bool compromised = false;  // the old key is retired as compromised
  uint32_t uid = 0;          // who ran the rotation (its real uid)
};

struct RotationRecovery {
  enum Direction { kNone, kForward, kBack };
  Direction direction = kNone;
  // The rotation under way, whose outcome the start is to audit
  // (RotationAuditRecord) before RemoveRotationMarker.
  std::optional<RotationMarker> marker;
  // Key files that could not be overwritten and removed (a read-only
  // directory): the messages, for the log. Nothing the vault uses is sealed
  // under them.
  std::vector<std::string> leftovers;
};
// Completes or rolls back an interrupted rotation, as above. Runs under the
// data directory's lock, before anything sealed under the root key is opened.
// FailedPrecondition "root_key_mismatch" (changing nothing) if `root_key` is
// neither of the rotation's keys or cannot complete its direction,
// "root_rotation_inconsistent" for rotation files without a marker.
StatusOr<RotationRecovery> RecoverRootRotation(const RootKeyPaths& paths,
                                               const SecretBytes& root_key);

StatusOr<std::optional<RotationMarker>> ReadRotationMarker(const RootKeyPaths& paths);
// The root_key.rotate record of a recovered rotation: its outcome ("ok"
// forward, "rolled_back" back) and details, the key transitions included.
struct RotationAudit {
  std::string outcome;
  std::vector<std::pair<std::string, std::string>> details;
};
RotationAudit RotationAuditRecord(const RotationMarker& marker, bool rotated);
// Removes the marker once its outcome is audited.
Status RemoveRotationMarker(const RootKeyPaths& paths);

}  // namespace vault

#endif  // VAULT_CORE_ROOT_ROTATION_H_
