#include "vault/crypto/ratchet.h"

#include <sodium.h>

namespace vault::ratchet {
namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "TVratch1";
constexpr uint64_t kNextStateId = 1;
constexpr uint64_t kEpochKeyId = 2;
static_assert(kStateBytes == crypto_kdf_KEYBYTES);

}  // namespace

StatusOr<SecretBytes> Advance(const SecretBytes& state, uint64_t steps) {
  if (state.size() != kStateBytes) return Status::Internal("ratchet state has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes cur, state.Clone());
  VAULT_ASSIGN_OR_RETURN(SecretBytes next, SecretBytes::Zeroed(kStateBytes));
  for (uint64_t i = 0; i < steps; ++i) {
    crypto_kdf_derive_from_key(next.insecure_mutable_data(), kStateBytes, kNextStateId, kContext,
                               cur.insecure_data());
    std::swap(cur, next);
  }
  return cur;  // `next` (the previous state) is zeroed as it goes out of scope
}

StatusOr<SecretBytes> EpochKey(const SecretBytes& state) {
  if (state.size() != kStateBytes) return Status::Internal("ratchet state has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Zeroed(32));
  crypto_kdf_derive_from_key(key.insecure_mutable_data(), key.size(), kEpochKeyId, kContext,
                             state.insecure_data());
  return key;
}

}  // namespace vault::ratchet
