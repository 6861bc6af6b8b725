// Seals a payload the way the keyring file and the safeguarding (case) file
// are sealed: magic(8) || version u32be || XChaCha20-Poly1305 under a subkey
// of the root key, with the 12-byte header as associated data
// (docs/formats/keyring-file.md). The fuzz targets use it to reach the
// parsers behind the AEAD with payloads of their choosing.
#ifndef VAULT_FUZZ_SEALED_FILE_H_
#define VAULT_FUZZ_SEALED_FILE_H_

#include <cstdlib>
#include <string>
#include <string_view>

#include "fixed_keys.h"
#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"

namespace vault::fuzz {

inline std::string SealAsFile(std::string_view magic, RootSubkey purpose,
                              std::string_view payload) {
  std::string header(magic);
  PutU32(&header, 1);
  auto key = DeriveRootSubkey(FixedRootKey(), purpose);
  std::string file = header;
  if (!key.ok() || !aead::Seal(*key, payload, header, &file).ok()) std::abort();
  return file;
}

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_SEALED_FILE_H_
