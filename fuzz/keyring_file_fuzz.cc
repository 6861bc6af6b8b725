// Fuzz target: the keyring file (vault/crypto/keyring.h, DecodeKeyringFile;
// docs/formats/keyring-file.md), read at every start of vaultd.
//
// Input: a selector byte, then either (0) the file as on disk, or (1) a
// payload the target seals under the fixed root key first, so the checks
// behind the AEAD are reached. Checks: a file that decodes has a positive
// epoch and a full ratchet state, and encoding it again decodes to the same
// contents.
#include <cstdint>
#include <cstring>
#include <string>

#include "fixed_keys.h"
#include "fuzz_check.h"
#include "sealed_file.h"

namespace {

void Decode(std::string_view file) {
  const vault::SecretBytes root = vault::fuzz::FixedRootKey();
  auto c = vault::DecodeKeyringFile(file, root);
  if (!c.ok()) {
    FUZZ_CHECK(c.status().code() == vault::Status::Code::kCorruption);
    return;
  }
  FUZZ_CHECK(c->epoch_ms > 0);
  FUZZ_CHECK(c->state.size() == vault::ratchet::kStateBytes);
  auto encoded = vault::EncodeKeyringFile(*c, root);
  FUZZ_CHECK(encoded.ok());
  FUZZ_CHECK(encoded->size() == file.size());
  auto again = vault::DecodeKeyringFile(*encoded, root);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->epoch_ms == c->epoch_ms && again->base_epoch == c->base_epoch &&
             again->generation == c->generation);
  FUZZ_CHECK(std::memcmp(again->state.insecure_data(), c->state.insecure_data(),
                         vault::ratchet::kStateBytes) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 2, &choice, &in)) return 0;
  if (choice == 0) {
    Decode(in);
  } else {
    Decode(vault::fuzz::SealAsFile(std::string_view(vault::kKeyringMagic, 8),
                                   vault::RootSubkey::kKeyring, in));
  }
  return 0;
}
