// Key derivation.
//
// DeriveSubkey: libsodium's crypto_kdf (BLAKE2b keyed with a 32-byte master
// key, an 8-character context and a 64-bit id): independent subkeys of one
// master key, one per (context, id). The audit signer's seed chain uses it
// with context "TVaudsg1"; the root key's subkeys (custodian.h) with
// "TVroot01".
//
// DerivePassphraseKey: Argon2id (crypto_pwhash, ALG_ARGON2ID13) of a
// passphrase and a 16-byte salt at a given cost, for files a person unlocks
// (officer identity files).
//
// Thread safety: stateless functions.
#ifndef VAULT_CRYPTO_KDF_H_
#define VAULT_CRYPTO_KDF_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

constexpr size_t kKdfMasterKeyBytes = 32;
constexpr size_t kKdfContextBytes = 8;

// Subkey `id` of `master` (32 bytes) under `context` (exactly 8 bytes),
// `out_bytes` long (16 to 64). InvalidArgument for a size out of range.
StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& master, std::string_view context,
                                   uint64_t id, size_t out_bytes = 32);

constexpr size_t kPassphraseSaltBytes = 16;

// Argon2id cost, as libsodium's opslimit / memlimit (bytes).
struct PassphraseCost {
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;
  bool operator==(const PassphraseCost&) const = default;
};
// libsodium's presets: interactive (64 MiB), moderate (256 MiB), sensitive
// (1 GiB), and the smallest cost Argon2id accepts.
enum class PassphraseLevel { kMinimum, kInteractive, kModerate, kSensitive };
PassphraseCost PassphraseCostOf(PassphraseLevel level);

// A key of `out_bytes` from `passphrase` and `salt` (16 bytes) at `cost`.
// InvalidArgument for a salt of another size; ResourceExhausted if the
// derivation fails (not enough memory for memlimit).
StatusOr<SecretBytes> DerivePassphraseKey(const SecretBytes& passphrase, std::string_view salt,
                                          PassphraseCost cost, size_t out_bytes);

}  // namespace vault

#endif  // VAULT_CRYPTO_KDF_H_
