// Plaintext out of ordinary strings before their memory is freed or reused:
// the one way vaultd and the wire format wipe a buffer (vault/crypto's
// aead::Wipe, a read's JSON reply, a response body). Guarded memory for keys
// is vault/crypto/secret.h's.
#ifndef VAULT_COMMON_WIPE_H_
#define VAULT_COMMON_WIPE_H_

#include <string.h>  // explicit_bzero: a store the compiler may not drop

#include <string>

namespace vault {

// Zeroes every byte *s can hold (its whole capacity, not just its size) and
// empties it. Its memory stays allocated, for reuse or to be freed.
inline void WipeString(std::string* s) {
  s->resize(s->capacity());
  explicit_bzero(s->data(), s->size());
  s->clear();
}

}  // namespace vault

#endif  // VAULT_COMMON_WIPE_H_
