// Shamir secret sharing over GF(2^8), byte by byte.
//
// Split() cuts a secret into n shares such that any `threshold` of them give
// the secret back and fewer give no information about it (each byte of the
// secret is the constant term of a random polynomial of degree threshold-1;
// share i holds the polynomial's values at x = i, 1 <= i <= n <= 255).
// The vault splits each safeguarding case key 2-of-n over the enrolled
// officers (docs/safeguarding.md, docs/design.md "Legal hold").
//
// Arithmetic on secret bytes is constant-time (no table lookups or branches
// on secret values). Shares and secrets live in SecretBytes.
//
// Thread safety: stateless functions.
#ifndef VAULT_CRYPTO_SHAMIR_H_
#define VAULT_CRYPTO_SHAMIR_H_

#include <cstdint>
#include <vector>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault::shamir {

struct Share {
  uint8_t x = 0;  // 1..255, public
  SecretBytes y;  // same length as the secret
};

// InvalidArgument unless 2 <= threshold <= n <= 255 and the secret is not
// empty.
StatusOr<std::vector<Share>> Split(const SecretBytes& secret, int threshold, int n);

// The secret from exactly `threshold` shares with distinct, non-zero x and
// equal lengths (InvalidArgument otherwise). Shares from different splits,
// or too few, give a wrong value, not an error: callers check the result
// against a commitment (the case public key).
StatusOr<SecretBytes> Combine(const std::vector<const Share*>& shares);

// GF(2^8) multiplication (AES polynomial x^8+x^4+x^3+x+1), constant-time.
uint8_t GfMul(uint8_t a, uint8_t b);

}  // namespace vault::shamir

#endif  // VAULT_CRYPTO_SHAMIR_H_
