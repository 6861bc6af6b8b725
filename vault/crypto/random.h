// Public random bytes from the operating system's CSPRNG (libsodium's
// randombytes_buf): ids, salts, nonces, anything that may be seen. Key
// material belongs in SecretBytes::Random (secret.h), never here.
//
// Thread safety: safe from any thread. Failure: none (libsodium aborts the
// process if the CSPRNG is unusable).
#ifndef VAULT_CRYPTO_RANDOM_H_
#define VAULT_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

namespace vault {

// `n` random bytes.
std::string RandomBytes(size_t n);
// Fills `n` bytes at `buf` with random bytes.
void FillRandom(void* buf, size_t n);

}  // namespace vault

#endif  // VAULT_CRYPTO_RANDOM_H_
