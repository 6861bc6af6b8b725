#include "vault/crypto/sign.h"

#include <sodium.h>

#include <cstdlib>

namespace vault {

static_assert(kVerifyKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSigningSeedBytes == crypto_sign_SEEDBYTES);
static_assert(kSigningSecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);

StatusOr<VerifyKey> VerifyKey::FromBytes(std::string_view raw) {
  if (raw.size() != kVerifyKeyBytes) {
    return Status::InvalidArgument("an Ed25519 public key is 32 bytes");
  }
  return VerifyKey(std::string(raw));
}

bool VerifyKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureBytes || bytes_.size() != kVerifyKeyBytes) return false;
  if (!InitCrypto().ok()) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(bytes_.data())) == 0;
}

StatusOr<SigningKey> SigningKey::Generate() {
  VAULT_ASSIGN_OR_RETURN(SecretBytes seed, SecretBytes::Random(kSigningSeedBytes));
  return FromSeed(seed);
}

StatusOr<SigningKey> SigningKey::FromSeed(const SecretBytes& seed) {
  if (seed.size() != kSigningSeedBytes) {
    return Status::InvalidArgument("an Ed25519 seed is 32 bytes");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes sk, SecretBytes::Zeroed(kSigningSecretKeyBytes));
  std::string pk(kVerifyKeyBytes, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                           sk.insecure_mutable_data(), seed.insecure_data());
  return SigningKey(std::move(sk), VerifyKey(std::move(pk)));
}

StatusOr<SigningKey> SigningKey::FromSecretKey(const SecretBytes& secret_key) {
  if (secret_key.size() != kSigningSecretKeyBytes) {
    return Status::InvalidArgument("an Ed25519 secret key is 64 bytes");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes seed,
                         SecretBytes::CopyFrom(secret_key.insecure_data(), kSigningSeedBytes));
  VAULT_ASSIGN_OR_RETURN(SigningKey k, FromSeed(seed));
  if (!k.secret_.Equals(secret_key)) {
    return Status::InvalidArgument("the Ed25519 secret key's public half does not match its seed");
  }
  return k;
}

StatusOr<SigningKey> SigningKey::Clone() const {
  VAULT_ASSIGN_OR_RETURN(SecretBytes sk, secret_.Clone());
  return SigningKey(std::move(sk), public_key_);
}

std::string SigningKey::Sign(std::string_view message) const {
  if (secret_.size() != kSigningSecretKeyBytes) std::abort();  // an empty key
  std::string sig(kSignatureBytes, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.insecure_data());
  return sig;
}

}  // namespace vault
