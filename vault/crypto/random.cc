#include "vault/crypto/random.h"

#include <sodium.h>

#include "vault/crypto/secret.h"

namespace vault {

void FillRandom(void* buf, size_t n) {
  (void)InitCrypto();  // randombytes_buf works, and aborts on failure, either way
  if (n > 0) randombytes_buf(buf, n);
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  FillRandom(out.data(), n);
  return out;
}

}  // namespace vault
