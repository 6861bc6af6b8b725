#include "vault/crypto/box.h"

#include <sodium.h>

#include <cstring>

namespace vault {
namespace {

static_assert(kSealOverhead == crypto_box_SEALBYTES);
static_assert(kBoxPublicKeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kBoxSecretKeyBytes == crypto_box_SECRETKEYBYTES);
static_assert(kBoxSecretKeyBytes == crypto_scalarmult_SCALARBYTES);

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

StatusOr<std::string> Seal(const BoxPublicKey& to, const unsigned char* plain, size_t n) {
  if (to.bytes().size() != kBoxPublicKeyBytes) {
    return Status::InvalidArgument("sealing to an empty X25519 public key");
  }
  VAULT_RETURN_IF_ERROR(InitCrypto());
  std::string out(n + kSealOverhead, '\0');
  static const unsigned char kNothing = 0;
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), n == 0 ? &kNothing : plain,
                      n, U(to.bytes())) != 0) {
    return Status::Internal("crypto_box_seal failed");
  }
  return out;
}

}  // namespace

StatusOr<BoxPublicKey> BoxPublicKey::FromBytes(std::string_view raw) {
  if (raw.size() != kBoxPublicKeyBytes) {
    return Status::InvalidArgument("an X25519 public key is 32 bytes");
  }
  return BoxPublicKey(std::string(raw));
}

StatusOr<BoxKeyPair> BoxKeyPair::Generate() {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  VAULT_ASSIGN_OR_RETURN(SecretBytes sk, SecretBytes::Zeroed(kBoxSecretKeyBytes));
  std::string pk(kBoxPublicKeyBytes, '\0');
  crypto_box_keypair(reinterpret_cast<unsigned char*>(pk.data()), sk.insecure_mutable_data());
  return BoxKeyPair(std::move(sk), BoxPublicKey(std::move(pk)));
}

StatusOr<BoxKeyPair> BoxKeyPair::FromSecret(const SecretBytes& secret) {
  if (secret.size() != kBoxSecretKeyBytes) {
    return Status::InvalidArgument("an X25519 secret key is 32 bytes");
  }
  VAULT_RETURN_IF_ERROR(InitCrypto());
  std::string pk(kBoxPublicKeyBytes, '\0');
  if (crypto_scalarmult_base(reinterpret_cast<unsigned char*>(pk.data()),
                             secret.insecure_data()) != 0) {
    return Status::InvalidArgument("not a usable X25519 secret key");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes sk, secret.Clone());
  return BoxKeyPair(std::move(sk), BoxPublicKey(std::move(pk)));
}

StatusOr<BoxKeyPair> BoxKeyPair::Clone() const {
  VAULT_ASSIGN_OR_RETURN(SecretBytes sk, secret_.Clone());
  return BoxKeyPair(std::move(sk), public_key_);
}

StatusOr<SecretBytes> BoxKeyPair::Open(std::string_view sealed) const {
  if (sealed.size() < kSealOverhead) return Status::Corruption("sealed box is too short");
  if (secret_.size() != kBoxSecretKeyBytes) return Status::Corruption("no key to open a box");
  VAULT_RETURN_IF_ERROR(InitCrypto());
  const size_t n = sealed.size() - kSealOverhead;
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(n));
  unsigned char nothing = 0;
  if (crypto_box_seal_open(n == 0 ? &nothing : plain.insecure_mutable_data(),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           U(public_key_.bytes()), secret_.insecure_data()) != 0) {
    return Status::Corruption("sealed box does not open with this key");
  }
  return plain;
}

StatusOr<std::string> SealTo(const BoxPublicKey& to, const SecretBytes& plain) {
  return Seal(to, plain.insecure_data(), plain.size());
}

StatusOr<std::string> SealTo(const BoxPublicKey& to, std::string_view plain) {
  return Seal(to, reinterpret_cast<const unsigned char*>(plain.data()), plain.size());
}

StatusOr<std::string> SealBoundKey(const BoxPublicKey& to, std::string_view label,
                                   const SecretBytes& key) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(label.size() + key.size()));
  if (!label.empty()) std::memcpy(plain.insecure_mutable_data(), label.data(), label.size());
  if (!key.empty()) {
    std::memcpy(plain.insecure_mutable_data() + label.size(), key.insecure_data(), key.size());
  }
  return SealTo(to, plain);
}

StatusOr<SecretBytes> OpenBoundKey(const BoxKeyPair& key_pair, std::string_view sealed,
                                   std::string_view label, size_t key_bytes) {
  if (sealed.size() != kSealOverhead + label.size() + key_bytes) {
    return Status::InvalidArgument("a sealed key has the wrong length", "sealed_size");
  }
  StatusOr<SecretBytes> opened = key_pair.Open(sealed);
  if (!opened.ok()) return Status::Corruption("a sealed key does not open", "sealed_open");
  if (label.size() > 0 && sodium_memcmp(opened->insecure_data(), label.data(), label.size()) != 0) {
    return Status::Corruption("a sealed key is bound to another label", "sealed_label");
  }
  return opened->Slice(label.size(), key_bytes);
}

}  // namespace vault
