// An officer's passphrase for the tests, in guarded memory as the tools keep it.
#ifndef VAULT_TESTS_OFFICER_PASSPHRASE_H_
#define VAULT_TESTS_OFFICER_PASSPHRASE_H_

#include <cstdint>
#include <string>

#include "vault/crypto/secret.h"

namespace vault::safeguard {

inline SecretBytes Pass(const std::string& text) {
  return SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(text.data()), text.size()).value();
}

}  // namespace vault::safeguard

#endif  // VAULT_TESTS_OFFICER_PASSPHRASE_H_
