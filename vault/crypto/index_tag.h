// Private to vault/crypto: the visitor index's tag function, the same under
// an epoch's tag key (Keyring) and a case's (CaseIndexKey):
// BLAKE2b-128 with this personalisation (docs/formats/visitor-index.md).
#ifndef VAULT_CRYPTO_INDEX_TAG_H_
#define VAULT_CRYPTO_INDEX_TAG_H_

#include <cstddef>

namespace vault {

inline constexpr char kIndexTagPersonal[] = "TV-vindex-tag-v1";
inline constexpr size_t kIndexTagBytes = 16;

}  // namespace vault

#endif  // VAULT_CRYPTO_INDEX_TAG_H_
