// X25519 sealed boxes (libsodium crypto_box_seal): anonymous encryption to a
// public key. Sealed form: ephemeral public key (32) || XSalsa20-Poly1305
// ciphertext with its tag (16), so kSealOverhead bytes more than the
// plaintext. Only the holder of the matching secret key can open it; the
// sender is not authenticated.
//
// BoxKeyPair keeps its 32-byte secret in guarded memory and opens into
// guarded memory: what is sealed to an officer or a case is key material.
//
// Thread safety: values; const methods may be called concurrently.
#ifndef VAULT_CRYPTO_BOX_H_
#define VAULT_CRYPTO_BOX_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

constexpr size_t kBoxPublicKeyBytes = 32;
constexpr size_t kBoxSecretKeyBytes = 32;
constexpr size_t kSealOverhead = 48;  // crypto_box_SEALBYTES

class BoxPublicKey {
 public:
  BoxPublicKey() = default;  // empty: SealTo refuses it
  // InvalidArgument unless `raw` is 32 bytes.
  static StatusOr<BoxPublicKey> FromBytes(std::string_view raw);

  const std::string& bytes() const { return bytes_; }
  bool operator==(const BoxPublicKey&) const = default;

 private:
  explicit BoxPublicKey(std::string raw) : bytes_(std::move(raw)) {}
  friend class BoxKeyPair;
  std::string bytes_;
};

class BoxKeyPair {
 public:
  // Empty: holds no key (for containers); Open refuses everything. Assign a
  // key pair from the factories before use.
  BoxKeyPair() = default;
  static StatusOr<BoxKeyPair> Generate();
  // The key pair of a 32-byte secret key (its public half is derived:
  // crypto_scalarmult_base). InvalidArgument for another size.
  static StatusOr<BoxKeyPair> FromSecret(const SecretBytes& secret);

  BoxKeyPair(BoxKeyPair&&) noexcept = default;
  BoxKeyPair& operator=(BoxKeyPair&&) noexcept = default;
  StatusOr<BoxKeyPair> Clone() const;

  bool empty() const { return secret_.empty(); }
  const BoxPublicKey& public_key() const { return public_key_; }
  // The 32-byte secret key, for sealing into a key file or splitting.
  const SecretBytes& secret() const { return secret_; }

  // Opens a box sealed to this key pair into guarded memory. Corruption if
  // it is too short, was sealed to another key or was altered.
  StatusOr<SecretBytes> Open(std::string_view sealed) const;

 private:
  BoxKeyPair(SecretBytes secret, BoxPublicKey pub)
      : secret_(std::move(secret)), public_key_(std::move(pub)) {}

  SecretBytes secret_;
  BoxPublicKey public_key_;
};

// Seals `plain` to `to`: kSealOverhead + plain.size() bytes. InvalidArgument
// for an empty key.
StatusOr<std::string> SealTo(const BoxPublicKey& to, const SecretBytes& plain);
StatusOr<std::string> SealTo(const BoxPublicKey& to, std::string_view plain);

// Key material bound to a public label: seals `label` || `key` to `to`,
// the plaintext built in guarded memory. kSealOverhead + label.size() +
// key.size() bytes. (Legal hold seals a share as ShareAd | x | y to an
// officer and a held DEK as "TV-hold-v1" NUL | transcript id | DEK to a case.)
StatusOr<std::string> SealBoundKey(const BoxPublicKey& to, std::string_view label,
                                   const SecretBytes& key);
// Opens a box made by SealBoundKey and returns its key, `key_bytes` long, in
// guarded memory. Fails with InvalidArgument "sealed_size" if `sealed` is not
// kSealOverhead + label.size() + key_bytes long, Corruption "sealed_open" if
// it does not open with `key_pair`, and Corruption "sealed_label" if it opens
// but does not start with `label`.
StatusOr<SecretBytes> OpenBoundKey(const BoxKeyPair& key_pair, std::string_view sealed,
                                   std::string_view label, size_t key_bytes);

}  // namespace vault

#endif  // VAULT_CRYPTO_BOX_H_
