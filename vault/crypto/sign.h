// Ed25519 signatures (libsodium crypto_sign, detached).
//
// SigningKey holds the secret in guarded memory in libsodium's 64-byte form
// (seed || public key); VerifyKey is the 32-byte public key. Signatures are
// 64 bytes. Everything that must agree byte for byte with another party
// (what is signed) is the caller's: these classes sign and verify bytes.
//
// Thread safety: values; const methods may be called concurrently.
#ifndef VAULT_CRYPTO_SIGN_H_
#define VAULT_CRYPTO_SIGN_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

constexpr size_t kVerifyKeyBytes = 32;
constexpr size_t kSigningSeedBytes = 32;
constexpr size_t kSigningSecretKeyBytes = 64;
constexpr size_t kSignatureBytes = 64;

class VerifyKey {
 public:
  VerifyKey() = default;  // empty: verifies nothing
  // InvalidArgument unless `raw` is 32 bytes.
  static StatusOr<VerifyKey> FromBytes(std::string_view raw);

  // Whether `signature` is a valid signature of `message` by this key; false
  // for a signature of the wrong length.
  bool Verify(std::string_view message, std::string_view signature) const;
  const std::string& bytes() const { return bytes_; }
  bool operator==(const VerifyKey&) const = default;

 private:
  explicit VerifyKey(std::string raw) : bytes_(std::move(raw)) {}
  friend class SigningKey;
  std::string bytes_;
};

class SigningKey {
 public:
  // Empty: holds no key (for containers); Sign() on it aborts. Assign a key
  // from the factories before use.
  SigningKey() = default;
  // A fresh random key.
  static StatusOr<SigningKey> Generate();
  // The key of a 32-byte seed (crypto_sign_seed_keypair); InvalidArgument
  // for another size.
  static StatusOr<SigningKey> FromSeed(const SecretBytes& seed);
  // From the 64-byte secret key secret_key() gives (seed || public key).
  // InvalidArgument for another size, or if its public half is not the
  // public key of its seed.
  static StatusOr<SigningKey> FromSecretKey(const SecretBytes& secret_key);

  SigningKey(SigningKey&&) noexcept = default;
  SigningKey& operator=(SigningKey&&) noexcept = default;
  StatusOr<SigningKey> Clone() const;

  bool empty() const { return secret_.empty(); }
  // The 64-byte detached signature of `message`.
  std::string Sign(std::string_view message) const;
  const VerifyKey& public_key() const { return public_key_; }
  // The 64-byte secret key, for sealing into a key file.
  const SecretBytes& secret_key() const { return secret_; }

 private:
  SigningKey(SecretBytes secret, VerifyKey pub)
      : secret_(std::move(secret)), public_key_(std::move(pub)) {}

  SecretBytes secret_;
  VerifyKey public_key_;
};

}  // namespace vault

#endif  // VAULT_CRYPTO_SIGN_H_
