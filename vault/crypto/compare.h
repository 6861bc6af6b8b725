// Constant-time comparison of public-length byte strings (MACs, commitments,
// hashes): the time taken depends on the lengths only, never on where the
// contents differ.
//
// Thread safety: stateless.
#ifndef VAULT_CRYPTO_COMPARE_H_
#define VAULT_CRYPTO_COMPARE_H_

#include <string_view>

namespace vault {

// False if the lengths differ (checked first: nothing is read past the
// shorter one); otherwise whether the bytes are equal, in constant time.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace vault

#endif  // VAULT_CRYPTO_COMPARE_H_
