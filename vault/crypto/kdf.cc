#include "vault/crypto/kdf.h"

#include <sodium.h>

namespace vault {

static_assert(kKdfMasterKeyBytes == crypto_kdf_KEYBYTES);
static_assert(kKdfContextBytes == crypto_kdf_CONTEXTBYTES);
static_assert(kPassphraseSaltBytes == crypto_pwhash_SALTBYTES);

StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& master, std::string_view context,
                                   uint64_t id, size_t out_bytes) {
  if (master.size() != kKdfMasterKeyBytes || context.size() != kKdfContextBytes ||
      out_bytes < crypto_kdf_BYTES_MIN || out_bytes > crypto_kdf_BYTES_MAX) {
    return Status::InvalidArgument("DeriveSubkey: master key, context or size out of range");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes out, SecretBytes::Zeroed(out_bytes));
  char ctx[crypto_kdf_CONTEXTBYTES];
  for (size_t i = 0; i < sizeof ctx; ++i) ctx[i] = context[i];
  if (crypto_kdf_derive_from_key(out.insecure_mutable_data(), out.size(), id, ctx,
                                 master.insecure_data()) != 0) {
    return Status::Internal("crypto_kdf_derive_from_key failed");
  }
  return out;
}

PassphraseCost PassphraseCostOf(PassphraseLevel level) {
  switch (level) {
    case PassphraseLevel::kMinimum:
      return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    case PassphraseLevel::kInteractive:
      return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    case PassphraseLevel::kModerate:
      return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
    case PassphraseLevel::kSensitive:
      return {crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
  }
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

StatusOr<SecretBytes> DerivePassphraseKey(const SecretBytes& passphrase, std::string_view salt,
                                          PassphraseCost cost, size_t out_bytes) {
  if (salt.size() != kPassphraseSaltBytes) {
    return Status::InvalidArgument("an Argon2id salt is 16 bytes");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Zeroed(out_bytes));
  if (crypto_pwhash(key.insecure_mutable_data(), key.size(),
                    reinterpret_cast<const char*>(passphrase.insecure_data()), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), cost.opslimit,
                    static_cast<size_t>(cost.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("not enough memory for the passphrase key derivation");
  }
  return key;
}

}  // namespace vault
