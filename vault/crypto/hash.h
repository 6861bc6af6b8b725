// Hashes: BLAKE2b (libsodium's crypto_generichash_blake2b) with a
// personalisation string and an optional key, and SHA-256.
//
// Personalisation: at most 16 bytes, zero-padded to 16, exactly as the
// formats spell it ("TV-audit-rec-v1", "TV-reason-v1", ...); an empty one is
// sixteen zero bytes, which is plain BLAKE2b (RFC 7693). No salt is ever
// used. Output 16 to 64 bytes; a key 16 to 64 bytes.
//
// Contract violations (a personalisation longer than 16 bytes, an output or
// key size out of range, Update or Final after Final) are programming errors
// and abort the process.
//
// Thread safety: Hasher is a value, not shareable while being updated;
// the free functions are stateless.
#ifndef VAULT_CRYPTO_HASH_H_
#define VAULT_CRYPTO_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "vault/crypto/secret.h"

namespace vault {

constexpr size_t kBlake2bPersonalBytes = 16;
constexpr size_t kBlake2bMinBytes = 16;
constexpr size_t kBlake2bMaxBytes = 64;
constexpr size_t kSha256Bytes = 32;

// Incremental BLAKE2b: Create, Update any number of times, Final once.
class Hasher {
 public:
  static Hasher Create(std::string_view personal, size_t out_bytes,
                       const SecretBytes* key = nullptr);

  Hasher(const Hasher&) = default;
  Hasher& operator=(const Hasher&) = default;
  ~Hasher();  // wipes the state (a keyed state holds the key)

  Hasher& Update(std::string_view data);
  // The digest, out_bytes long.
  std::string Final();
  // The same, written to `out` (out_bytes long), without an allocation.
  void FinalTo(char* out);

 private:
  Hasher() = default;

  // libsodium's crypto_generichash_blake2b_state (checked in hash.cc).
  alignas(64) unsigned char state_[384];
  size_t out_bytes_ = 0;
  bool finished_ = false;
};

// Keyed BLAKE2b with a fixed key, personalisation and output size whose key
// block is compressed once, in Create: HashTo(data) gives exactly
// Hasher::Create(personal, out_bytes, &key).Update(data).Final() at one
// compression less (a message of up to 128 bytes then costs one instead of
// two). For tags computed many times under one key (the visitor index's,
// one per identifier and live epoch). Its state is as secret as the key:
// guarded memory. `data` must not be empty (the key block would be the last
// one). Thread safety: HashTo is const and may run concurrently.
class KeyedBlake2b {
 public:
  static StatusOr<KeyedBlake2b> Create(std::string_view personal, size_t out_bytes,
                                       const SecretBytes& key);
  void HashTo(std::string_view data, char* out) const;
  size_t out_bytes() const { return out_bytes_; }

 private:
  KeyedBlake2b(SecretBytes h, size_t out_bytes) : h_(std::move(h)), out_bytes_(out_bytes) {}
  SecretBytes h_;  // the chaining value after the key block: 8 little-endian words
  size_t out_bytes_ = 0;
};

// One-shot BLAKE2b of `data`, unkeyed.
std::string Blake2b(std::string_view personal, std::string_view data, size_t out_bytes);

// SHA-256 of `data` (32 bytes).
std::string Sha256(std::string_view data);

// SipHash-2-4 of `data` under `key` (kShortHashKeyBytes), as a 64-bit
// number: a fast keyed hash for in-memory tables, never a MAC.
constexpr size_t kShortHashKeyBytes = 16;
uint64_t ShortHash64(const SecretBytes& key, std::string_view data);

// A commitment to key material under a public label: the BLAKE2b digest,
// personalised `personal` and `out_bytes` long, of `label` || `key`.
// (Legal hold commits to each share as ShareAd(case) | x | y.)
std::string KeyCommitment(std::string_view personal, std::string_view label,
                          const SecretBytes& key, size_t out_bytes);

}  // namespace vault

#endif  // VAULT_CRYPTO_HASH_H_
