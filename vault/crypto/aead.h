// AEAD: XChaCha20-Poly1305 (IETF) with random 192-bit nonces.
//
// Sealed form: nonce (24 bytes) || ciphertext || tag (16 bytes). The caller
// supplies associated data that binds the ciphertext to its place (transcript
// id, record kind, sequence number, epoch); opening with any other associated
// data or key fails with Corruption, and no plaintext is returned.
//
// Nonces are taken from a per-thread pool of random bytes, refilled from
// the operating system's CSPRNG ten nonces at a time; none is used twice,
// and a child made by fork() draws its own (aead.cc). A copy of the process
// that fork() did not make (a VM memory snapshot restored and run) would
// repeat up to nine per thread (docs/threat-model.md, section 4 (f)).
//
// Thread safety: safe from any thread; the only state is each thread's own
// nonce pool.
#ifndef VAULT_CRYPTO_AEAD_H_
#define VAULT_CRYPTO_AEAD_H_

#include <string>
#include <string_view>

#include "vault/common/wipe.h"
#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault::aead {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 24;
constexpr size_t kTagBytes = 16;
constexpr size_t kOverhead = kNonceBytes + kTagBytes;

// Appends the sealed form of `plaintext` to *out.
Status Seal(const SecretBytes& key, std::string_view plaintext, std::string_view ad,
            std::string* out);
Status SealSecret(const SecretBytes& key, const SecretBytes& plaintext, std::string_view ad,
                  std::string* out);

// Opens `sealed`; Corruption if it fails authentication.
StatusOr<std::string> Open(const SecretBytes& key, std::string_view sealed, std::string_view ad);
// The same into *plain, whose capacity is reused (a loop over records
// allocates only when a record is larger than any before, and wipes the
// smaller buffer first); on failure *plain is wiped and left empty. The
// caller wipes it when done (Wipe).
Status OpenInto(const SecretBytes& key, std::string_view sealed, std::string_view ad,
                std::string* plain);
// Wipes every byte *s can hold (its whole capacity) and empties it
// (WipeString, vault/common/wipe.h).
void Wipe(std::string* s);
// Wipes *s (Wipe) when it goes out of scope: a buffer OpenInto fills.
using WipeOnExit = ::vault::WipeOnExit;
// Opens into guarded memory (for wrapped keys).
StatusOr<SecretBytes> OpenSecret(const SecretBytes& key, std::string_view sealed,
                                 std::string_view ad);

}  // namespace vault::aead

#endif  // VAULT_CRYPTO_AEAD_H_
