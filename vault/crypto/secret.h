// SecretBytes: the one type that holds key material.
//
// Backed by libsodium guarded memory (sodium_malloc: guard pages, a canary,
// mlock where permitted, no core dump) and zeroed when destroyed. Secrets of
// up to 64 bytes (every key) take a slot of GuardedPool::Default(), a few
// shared guarded arenas, wiped when the slot is freed (guarded_pool.h says
// what that trades); larger ones, and any once the pool is full, get a
// sodium_malloc region of their own, zeroed by sodium_free. Move-only,
// no operator<<, no conversion to std::string. Raw access goes through the
// searchable names insecure_data() / insecure_mutable_data().
//
// Thread safety: like any value; const methods may be called concurrently.
// Failure: allocation failure is reported by the factories, never thrown.
#ifndef VAULT_CRYPTO_SECRET_H_
#define VAULT_CRYPTO_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

// Initialises libsodium once; safe to call from many threads.
Status InitCrypto();

class SecretBytes {
 public:
  // `n` zero bytes in guarded memory.
  static StatusOr<SecretBytes> Zeroed(size_t n);
  // `n` bytes from the operating system's CSPRNG.
  static StatusOr<SecretBytes> Random(size_t n);
  // A copy of `n` bytes at `src` (for keys derived in stack buffers, which the
  // caller must wipe with sodium_memzero).
  static StatusOr<SecretBytes> CopyFrom(const uint8_t* src, size_t n);

  SecretBytes() = default;  // empty
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Constant-time equality.
  bool Equals(const SecretBytes& other) const;
  // Whether the secret begins with `prefix`, a public value (a label or
  // associated data bound into it); constant time in prefix.size().
  bool StartsWith(std::string_view prefix) const;
  StatusOr<SecretBytes> Clone() const;
  // A copy of `n` bytes from `offset`; InvalidArgument if out of range.
  StatusOr<SecretBytes> Slice(size_t offset, size_t n) const;
  // A copy of a || b.
  static StatusOr<SecretBytes> Concat(const SecretBytes& a, const SecretBytes& b);

  const uint8_t* insecure_data() const { return data_; }
  uint8_t* insecure_mutable_data() { return data_; }

 private:
  SecretBytes(uint8_t* data, size_t size, bool pooled)
      : data_(data), size_(size), pooled_(pooled) {}
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool pooled_ = false;  // data_ is a GuardedPool::Default() slot
};

// A secret framed by public fields: before || secret || after, as in a file
// that seals a key together with counters and names.
struct FramedSecret {
  std::string before;
  SecretBytes secret;
  std::string after;
};

// Splits `framed` around its secret part [offset, offset + n): that part is
// copied to guarded memory, the bytes before and after it, which the caller
// knows to be public, to plain strings. InvalidArgument if out of range.
StatusOr<FramedSecret> SplitFramedSecret(const SecretBytes& framed, size_t offset, size_t n);

}  // namespace vault

#endif  // VAULT_CRYPTO_SECRET_H_
