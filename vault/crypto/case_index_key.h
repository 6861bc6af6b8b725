// CaseIndexKey: the visitor-index key of one legal-hold case
// (docs/design.md sections 23.1 and 24.2; docs/formats/visitor-index.md).
//
// While a transcript is held its visitor-index entries are tagged under its
// case's index key instead of an epoch key, so it stays findable for as
// long as the hold lasts and no longer: the key is made at random when the
// case is first used, kept only in guarded memory and, sealed, in the
// safeguarding file, and deleted with the case's public key and shares at
// release. Once it is gone no tag of the case's key space can be recomputed,
// so no guess can be tested against an entry left in an old copy.
//
//   K_ctag   = crypto_kdf(index key, "TVctag01", 0)   the tag key
//   K_cpfx   = crypto_kdf(index key, "TVctag01", 1)   the prefix key
//   tag(x)   = BLAKE2b-128(key K_ctag, personal "TV-vindex-tag-v1", x)
//   prefix   = first 8 bytes of BLAKE2b-128(key K_cpfx, personal
//              "TV-vindex-cpfx1", no input)
//
// The prefix is public (it names the case's key space in the store) and
// reveals nothing of the case but that its entries belong together.
//
// Thread safety: immutable after construction; const methods may be called
// concurrently. Move-only; share it as std::shared_ptr<const CaseIndexKey>.
#ifndef VAULT_CRYPTO_CASE_INDEX_KEY_H_
#define VAULT_CRYPTO_CASE_INDEX_KEY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

class CaseIndexKey {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kPrefixBytes = 8;

  // A fresh random key.
  static StatusOr<CaseIndexKey> Generate();
  // The key sealed (XChaCha20-Poly1305) under `wrap_key` with `ad`, for a
  // sealed file; Open takes it back (Corruption if it does not open or has
  // the wrong size).
  StatusOr<std::string> Seal(const SecretBytes& wrap_key, std::string_view ad) const;
  static StatusOr<CaseIndexKey> Open(const SecretBytes& wrap_key, std::string_view sealed,
                                     std::string_view ad);

  CaseIndexKey(CaseIndexKey&&) noexcept = default;
  CaseIndexKey& operator=(CaseIndexKey&&) noexcept = default;
  CaseIndexKey(const CaseIndexKey&) = delete;
  CaseIndexKey& operator=(const CaseIndexKey&) = delete;

  // The 8 public bytes that name the case's key space in the index.
  const std::string& prefix() const { return prefix_; }
  // The 16-byte tag of `item` (the same input as an epoch tag's).
  std::string Tag(std::string_view item) const;

 private:
  static StatusOr<CaseIndexKey> FromKey(SecretBytes key);
  CaseIndexKey(SecretBytes key, SecretBytes tag_key, std::string prefix)
      : key_(std::move(key)), tag_key_(std::move(tag_key)), prefix_(std::move(prefix)) {}

  SecretBytes key_;      // kept only to be sealed again at the next commit
  SecretBytes tag_key_;  // K_ctag
  std::string prefix_;
};

}  // namespace vault

#endif  // VAULT_CRYPTO_CASE_INDEX_KEY_H_
