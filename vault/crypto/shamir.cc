#include "vault/crypto/shamir.h"

#include <sodium.h>

#include <set>

namespace vault::shamir {

uint8_t GfMul(uint8_t a, uint8_t b) {
  uint8_t product = 0;
  for (int i = 0; i < 8; ++i) {
    // Masks instead of branches: the same instructions whatever the values.
    product ^= static_cast<uint8_t>(-(b & 1)) & a;
    const uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (carry & 0x1b));
    b >>= 1;
  }
  return product;
}

namespace {

// a^254 = a^-1 for a != 0; only ever applied to public x values.
uint8_t GfInv(uint8_t a) {
  uint8_t result = 1;
  uint8_t base = a;
  for (int e = 254; e > 0; e >>= 1) {
    if (e & 1) result = GfMul(result, base);
    base = GfMul(base, base);
  }
  return result;
}

}  // namespace

StatusOr<std::vector<Share>> Split(const SecretBytes& secret, int threshold, int n) {
  if (threshold < 2 || threshold > n || n > 255) {
    return Status::InvalidArgument("shares need 2 <= threshold <= n <= 255");
  }
  if (secret.empty()) return Status::InvalidArgument("nothing to split");
  const size_t len = secret.size();
  // coefficients[k-1] holds the degree-k coefficients for every byte.
  std::vector<SecretBytes> coefficients;
  for (int k = 1; k < threshold; ++k) {
    VAULT_ASSIGN_OR_RETURN(SecretBytes c, SecretBytes::Random(len));
    coefficients.push_back(std::move(c));
  }
  std::vector<Share> shares;
  for (int i = 1; i <= n; ++i) {
    Share share;
    share.x = static_cast<uint8_t>(i);
    VAULT_ASSIGN_OR_RETURN(share.y, SecretBytes::Zeroed(len));
    for (size_t b = 0; b < len; ++b) {
      // Horner: ((c_{t-1} x + c_{t-2}) x + ...) x + secret.
      uint8_t acc = 0;
      for (int k = threshold - 1; k >= 1; --k) {
        acc = GfMul(acc, share.x) ^ coefficients[k - 1].insecure_data()[b];
      }
      share.y.insecure_mutable_data()[b] = GfMul(acc, share.x) ^ secret.insecure_data()[b];
    }
    shares.push_back(std::move(share));
  }
  return shares;
}

StatusOr<SecretBytes> Combine(const std::vector<const Share*>& shares) {
  if (shares.size() < 2) return Status::InvalidArgument("at least two shares are needed");
  const size_t len = shares[0]->y.size();
  std::set<uint8_t> xs;
  for (const Share* s : shares) {
    if (s->x == 0 || !xs.insert(s->x).second) {
      return Status::InvalidArgument("shares must have distinct, non-zero x");
    }
    if (s->y.size() != len || len == 0) return Status::InvalidArgument("shares differ in length");
  }
  // Lagrange basis at 0: l_j = prod_{m != j} x_m / (x_m - x_j); in GF(2^8)
  // subtraction is XOR. The x values are public.
  std::vector<uint8_t> basis;
  for (size_t j = 0; j < shares.size(); ++j) {
    uint8_t num = 1;
    uint8_t den = 1;
    for (size_t m = 0; m < shares.size(); ++m) {
      if (m == j) continue;
      num = GfMul(num, shares[m]->x);
      den = GfMul(den, shares[m]->x ^ shares[j]->x);
    }
    basis.push_back(GfMul(num, GfInv(den)));
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes secret, SecretBytes::Zeroed(len));
  for (size_t b = 0; b < len; ++b) {
    uint8_t acc = 0;
    for (size_t j = 0; j < shares.size(); ++j)
      acc ^= GfMul(basis[j], shares[j]->y.insecure_data()[b]);
    secret.insecure_mutable_data()[b] = acc;
  }
  return secret;
}

}  // namespace vault::shamir
