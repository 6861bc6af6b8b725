#include "vault/crypto/aead.h"

#include <pthread.h>
#include <sodium.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "vault/common/wipe.h"

namespace vault::aead {
namespace {

// Bumped in a forked child, whose copy of its thread's nonce pool holds the
// bytes the parent will hand out next.
std::atomic<uint64_t> fork_generation{0};

void CountFork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }
[[maybe_unused]] const int fork_handler = pthread_atfork(nullptr, nullptr, CountFork);

// Nonces come from a pool of bytes from the operating system's CSPRNG, one
// per thread, filled ten nonces at a time: one getrandom(2) for ten seals
// instead of one for each (an append seals two records, and a system call
// costs about a microsecond on a virtual machine; docs/performance.md
// section 10.21). A nonce is public (every sealed record carries its own in
// the clear), so the pool is ordinary memory. What it must never do is hand
// the same bytes out twice: each nonce is taken once and wiped from the
// pool, and a forked child drops the pool it inherited.
class NoncePool {
 public:
  void Take(uint8_t* nonce) {
    const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
    if (used_ == sizeof(bytes_) || generation != generation_) {
      randombytes_buf(bytes_, sizeof(bytes_));
      used_ = 0;
      generation_ = generation;
    }
    std::memcpy(nonce, bytes_ + used_, kNonceBytes);
    sodium_memzero(bytes_ + used_, kNonceBytes);
    used_ += kNonceBytes;
  }

 private:
  uint8_t bytes_[10 * kNonceBytes] = {};
  size_t used_ = sizeof(bytes_);  // empty: the first nonce fills it
  uint64_t generation_ = 0;
};

thread_local NoncePool nonce_pool;

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
  nonce_pool.Take(nonce);
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
  std::string plain;
  VAULT_RETURN_IF_ERROR(OpenInto(key, sealed, ad, &plain));
  return plain;
}

Status OpenInto(const SecretBytes& key, std::string_view sealed, std::string_view ad,
                std::string* plain) {
  if (Status usable = CheckSealed(key, sealed); !usable.ok()) {
    Wipe(plain);
    return usable;
  }
  const auto* nonce = reinterpret_cast<const uint8_t*>(sealed.data());
  const size_t n = sealed.size() - kOverhead;
  // A buffer too small for this record is wiped before it grows: the
  // string's own growth would free the earlier plaintext as it is.
  if (n > plain->capacity()) {
    Wipe(plain);
    plain->reserve(n);
  }
  plain->resize(n);
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<uint8_t*>(plain->data()), &plen, nullptr, nonce + kNonceBytes,
          sealed.size() - kNonceBytes, reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
          nonce, key.insecure_data()) != 0) {
    Wipe(plain);
    return Status::Corruption("stored record failed authentication");
  }
  return Status::OK();
}

void Wipe(std::string* s) { WipeString(s); }

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
