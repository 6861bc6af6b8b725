// Safeguarding officers: identities, enrolment tokens and identity files.
//
// An officer has two key pairs: Ed25519 to sign statements and approvals,
// X25519 to receive case-key shares (sealed boxes). The secret halves live
// only in the officer's identity file, sealed under a key derived from the
// officer's passphrase (Argon2id, then XChaCha20-Poly1305), and in guarded
// memory while the vault-officer tool uses them.
//
// Identity file (JSON, one object; spec: docs/formats/officer-identity.md):
//   {"format":"transcript-vault-officer-v1",
//    "sign_public_key": b64, "seal_public_key": b64,
//    "kdf": {"algorithm":"argon2id13","opslimit":N,"memlimit":N,"salt":b64},
//    "sealed_keys": b64}
// sealed_keys = XChaCha20-Poly1305(key = Argon2id(passphrase, salt),
//   plaintext = sign secret (64) || seal secret (32),
//   associated data = "TV-officer-file-v1" NUL sign pk || seal pk ||
//   opslimit (8 BE) || memlimit (8 BE) || salt).
//
// Enrolment token: "tv-officer-v1:" base64(sign pk || seal pk || sig), where
// sig is the Ed25519 signature by the sign key over
// "TV-officer-enrol-v1" NUL sign pk || seal pk: proof that whoever enrols the
// token holds the signing key, and that the two public keys belong together.
//
// Thread safety: values; functions are stateless.
#ifndef VAULT_OFFICER_OFFICER_H_
#define VAULT_OFFICER_OFFICER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "vault/common/encoding.h"
#include "vault/crypto/box.h"
#include "vault/crypto/secret.h"
#include "vault/crypto/sign.h"
#include "vault/status.h"

namespace vault::safeguard {

using Ed25519PublicKey = std::array<uint8_t, 32>;
using X25519PublicKey = std::array<uint8_t, 32>;

struct OfficerPublicKeys {
  Ed25519PublicKey sign{};
  X25519PublicKey seal{};
  bool operator==(const OfficerPublicKeys&) const = default;
};

struct OfficerKeys {
  OfficerPublicKeys pub;  // the public halves of sign and seal
  SigningKey sign;        // Ed25519: statements, approvals, the enrolment token
  BoxKeyPair seal;        // X25519: opens the case shares sealed to the officer

  static StatusOr<OfficerKeys> Generate();
};

// Argon2id cost: "interactive" (64 MiB) for tests and demos, "moderate"
// (256 MiB, the default) and "sensitive" (1 GiB) for real officers.
enum class KdfLevel { kInteractive, kModerate, kSensitive };
bool ParseKdfLevel(std::string_view name, KdfLevel* out);

StatusOr<std::string> EncodeIdentityFile(const OfficerKeys& keys, const SecretBytes& passphrase,
                                         KdfLevel level);
// PermissionDenied "wrong_passphrase" if the passphrase does not open it;
// InvalidArgument "invalid_identity_file" if the file is malformed.
StatusOr<OfficerKeys> DecodeIdentityFile(std::string_view text, const SecretBytes& passphrase);
// The public keys of an identity file, without the passphrase.
StatusOr<OfficerPublicKeys> IdentityFilePublicKeys(std::string_view text);

StatusOr<std::string> EnrolmentToken(const OfficerKeys& keys);
// InvalidArgument "invalid_officer_key" unless the token is well formed and
// its self-signature verifies.
StatusOr<OfficerPublicKeys> ParseEnrolmentToken(std::string_view token);

// A short fingerprint of the public keys, for reading aloud when an admin
// enrols an officer: 8 groups of 4 hex digits.
std::string Fingerprint(const OfficerPublicKeys& keys);

// Ed25519 detached signatures. Sign fails (Internal) for an empty key.
StatusOr<std::string> Sign(const SigningKey& key, std::string_view message);
bool VerifySignature(const Ed25519PublicKey& key, std::string_view message,
                     std::string_view signature);

}  // namespace vault::safeguard

#endif  // VAULT_OFFICER_OFFICER_H_
