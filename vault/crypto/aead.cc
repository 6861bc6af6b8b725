#include "vault/crypto/aead.h"

#include <pthread.h>
#include <sodium.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace vault::aead {
namespace {

// Nonces. XChaCha20-Poly1305 asks of a nonce only that it never repeats under
// one key; it need not be secret or unpredictable. 192 random bits make a
// repeat negligible (2^-96 after 2^48 records under one key). randombytes_buf
// is one getrandom(2) per call in libsodium 1.0.18 (its default is the
// "sysrandom" implementation), two per append. Instead each thread draws
// nonces from a 4 KiB buffer of ChaCha20 keystream (randombytes_buf_deterministic)
// under a fresh 256-bit key from randombytes_buf for every buffer: one
// getrandom per 170 nonces, each buffer an independent uniform stream, so
// nonces stay uniformly random across threads, buffers and restarts.
// A forked child would inherit the forking thread's unused nonces: the
// generation counter, bumped in the child by pthread_atfork, makes every
// thread refill before its next nonce.
constexpr size_t kNonceBufferBytes = 4096 - 4096 % 24;
std::atomic<uint64_t> fork_generation{0};

void BumpForkGeneration() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct NonceBuffer {
  uint8_t bytes[kNonceBufferBytes];
  size_t used = kNonceBufferBytes;  // empty
  uint64_t generation = 0;

  void Take(uint8_t* out, size_t n) {
    const uint64_t current = fork_generation.load(std::memory_order_relaxed);
    if (used + n > kNonceBufferBytes || generation != current) {
      static const int registered = pthread_atfork(nullptr, nullptr, BumpForkGeneration);
      (void)registered;
      uint8_t seed[randombytes_SEEDBYTES];
      randombytes_buf(seed, sizeof seed);
      randombytes_buf_deterministic(bytes, sizeof bytes, seed);
      sodium_memzero(seed, sizeof seed);
      used = 0;
      generation = current;
    }
    std::memcpy(out, bytes + used, n);
    sodium_memzero(bytes + used, n);  // each nonce is handed out once
    used += n;
  }
};

void RandomNonce(uint8_t* nonce) {
  static thread_local NonceBuffer buffer;
  buffer.Take(nonce, kNonceBytes);
}

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

Status SealBytes(const SecretBytes& key, const uint8_t* pt, size_t n, std::string_view ad,
                 std::string* out) {
  if (key.size() != kKeyBytes) return Status::Internal("AEAD key has the wrong size");
  VAULT_RETURN_IF_ERROR(InitCrypto());
  const size_t start = out->size();
  out->resize(start + kNonceBytes + n + kTagBytes);
  auto* nonce = reinterpret_cast<uint8_t*>(out->data() + start);
  RandomNonce(nonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonceBytes, &clen, pt, n, reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
      nullptr, nonce, key.insecure_data());
  return Status::OK();
}

Status CheckSealed(const SecretBytes& key, std::string_view sealed) {
  if (key.size() != kKeyBytes) return Status::Internal("AEAD key has the wrong size");
  if (sealed.size() < kOverhead) return Status::Corruption("sealed record is truncated");
  return Status::OK();
}

}  // namespace

Status Seal(const SecretBytes& key, std::string_view plaintext, std::string_view ad,
            std::string* out) {
  return SealBytes(key, reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size(), ad,
                   out);
}

Status SealSecret(const SecretBytes& key, const SecretBytes& plaintext, std::string_view ad,
                  std::string* out) {
  return SealBytes(key, plaintext.insecure_data(), plaintext.size(), ad, out);
}

StatusOr<std::string> Open(const SecretBytes& key, std::string_view sealed, std::string_view ad) {
  VAULT_RETURN_IF_ERROR(CheckSealed(key, sealed));
  const auto* nonce = reinterpret_cast<const uint8_t*>(sealed.data());
  std::string plain(sealed.size() - kOverhead, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<uint8_t*>(plain.data()), &plen, nullptr, nonce + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
          nonce, key.insecure_data()) != 0) {
    return Status::Corruption("stored record failed authentication");
  }
  return plain;
}

StatusOr<SecretBytes> OpenSecret(const SecretBytes& key, std::string_view sealed,
                                 std::string_view ad) {
  VAULT_RETURN_IF_ERROR(CheckSealed(key, sealed));
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(sealed.size() - kOverhead));
  const auto* nonce = reinterpret_cast<const uint8_t*>(sealed.data());
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.insecure_mutable_data(), &plen, nullptr, nonce + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
          nonce, key.insecure_data()) != 0) {
    return Status::Corruption("wrapped key failed authentication");
  }
  return plain;
}

}  // namespace vault::aead
