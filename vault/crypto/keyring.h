// Keyring: the epoch ratchet state, in one small file outside RocksDB.
//
// The keyring holds exactly one 32-byte ratchet state, for the oldest live
// epoch (the "base"). Every later epoch key derives from it, no earlier one
// can (ratchet.h). Data keys (DEKs) are stored in RocksDB only wrapped under
// the key of the epoch in which their transcript expires; AdvanceTo(e)
// replaces the state by the state of e and rewrites the file atomically, which
// destroys every epoch key before e and with them every DEK wrapped under one:
// crypto-shredding in O(1) however many transcripts expire.
//
// The file is sealed (XChaCha20-Poly1305) under a key derived from the root
// key, which a RootKeyCustodian supplies when the file is read or written and
// which is not kept in between. Format: docs/formats/keyring-file.md.
//
// Thread safety: all methods may be called concurrently (internal mutex).
// Crash safety: the file is replaced by rename after fsync; a crash leaves the
// old or the new state, never both, never neither.
#ifndef VAULT_CRYPTO_KEYRING_H_
#define VAULT_CRYPTO_KEYRING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

// File layout constants (docs/formats/keyring-file.md; wrapped keys:
// docs/formats/wrapped-key.md).
constexpr char kKeyringMagic[8] = {'T', 'V', 'K', 'E', 'Y', 'R', 'N', 'G'};
constexpr uint32_t kKeyringFormatVersion = 1;
constexpr uint8_t kWrappedKeyVersion = 1;

// The decrypted contents of a keyring file.
struct KeyringContents {
  int64_t epoch_ms = 0;
  uint64_t base_epoch = 0;   // the oldest live epoch; `state` is its state
  uint64_t generation = 0;   // incremented on every rewrite
  SecretBytes state;
};

StatusOr<std::string> EncodeKeyringFile(const KeyringContents& contents,
                                        const SecretBytes& root_key);
StatusOr<KeyringContents> DecodeKeyringFile(std::string_view file, const SecretBytes& root_key);

class Keyring {
 public:
  struct Params {
    std::string path;
    int64_t epoch_ms = 0;
    int64_t retention_ms = 0;  // bounds how far ahead a wrapped key may point
  };
  // Opens the keyring file, or (if `create_if_missing`) creates it with a
  // fresh random state for the current epoch. Fails if the file's epoch
  // length differs from params, or if it is missing and may not be created.
  // `custodian` and `clock` must outlive the Keyring.
  static StatusOr<std::unique_ptr<Keyring>> Open(const Params& params,
                                                 const RootKeyCustodian* custodian,
                                                 const Clock* clock,
                                                 bool create_if_missing = true);
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  int64_t epoch_ms() const { return params_.epoch_ms; }
  uint64_t EpochOf(UnixMillis t) const { return static_cast<uint64_t>(t / params_.epoch_ms); }
  // First instant after epoch e.
  UnixMillis EpochEnd(uint64_t e) const { return static_cast<UnixMillis>(e + 1) * params_.epoch_ms; }
  uint64_t base_epoch() const EXCLUDES(mu_);

  // Seals `dek` under the key of `epoch`, bound to `binding` (the transcript
  // id). Gone if the epoch was destroyed.
  StatusOr<std::string> WrapKey(uint64_t epoch, const SecretBytes& dek, std::string_view binding)
      EXCLUDES(mu_);
  // Opens a wrapped key. Gone if its epoch was destroyed; Corruption if it
  // fails authentication or names an epoch more than 1,000,000 epochs ahead.
  StatusOr<SecretBytes> UnwrapKey(std::string_view wrapped, std::string_view binding)
      EXCLUDES(mu_);
  // The epoch a wrapped key is sealed under (format check only).
  static StatusOr<uint64_t> WrappedEpoch(std::string_view wrapped);

  // Visitor-index tags (docs/formats/visitor-index.md): the 16-byte keyed
  // BLAKE2b of `item` under the tag key of `epoch`, a subkey of the epoch
  // key, so a tag can be recomputed, and tested against a guess, only while
  // its epoch lives. Gone if the epoch was destroyed.
  StatusOr<std::string> VisitorTag(uint64_t epoch, std::string_view item) EXCLUDES(mu_);
  // The tag of `item` in every live epoch of [from, to], in epoch order, as
  // (epoch, tag) pairs; destroyed epochs are skipped. At most 1,000,000
  // epochs.
  StatusOr<std::vector<std::pair<uint64_t, std::string>>> VisitorTags(uint64_t from, uint64_t to,
                                                                      std::string_view item)
      EXCLUDES(mu_);
  // The tags of several items without a copy, epoch by epoch: for each
  // live epoch of [from, to] in order, calls `fn(epoch, k, tag)` for each
  // item k in order, `tag` (16 bytes) valid during the call. `fn` runs
  // under the keyring's lock and must not call the keyring.
  Status ForEachVisitorTag(uint64_t from, uint64_t to, const std::vector<std::string>& items,
                           const std::function<void(uint64_t, size_t, const char*)>& fn)
      EXCLUDES(mu_);
  // The tag of each of `items` in `epoch` (one lock for all), in order.
  // Gone if the epoch was destroyed.
  StatusOr<std::vector<std::string>> VisitorTagsIn(uint64_t epoch,
                                                   const std::vector<std::string>& items)
      EXCLUDES(mu_);

  // Destroys every epoch before `epoch`: derives the state of `epoch`,
  // rewrites the file durably, then wipes the older state and cached keys.
  // No-op if `epoch` <= base_epoch().
  Status AdvanceTo(uint64_t epoch) EXCLUDES(mu_);

 private:
  Keyring(Params params, const RootKeyCustodian* custodian, const Clock* clock,
          KeyringContents contents);
  StatusOr<const SecretBytes*> EpochKeyLocked(uint64_t epoch) REQUIRES(mu_);
  // The keyed hash of the epoch's tag subkey (its key block compressed).
  StatusOr<const KeyedBlake2b*> TagKeyLocked(uint64_t epoch) REQUIRES(mu_);
  StatusOr<SecretBytes> StateForLocked(uint64_t epoch) REQUIRES(mu_);
  // Under mu_ so that rewrites of the file are serialised.
  Status PersistLocked(const KeyringContents& contents) REQUIRES(mu_);

  const Params params_;                   // constant after construction
  const RootKeyCustodian* const custodian_;
  const Clock* const clock_;

  mutable Mutex mu_;
  KeyringContents contents_ GUARDED_BY(mu_);
  std::map<uint64_t, SecretBytes> checkpoints_ GUARDED_BY(mu_);  // states at multiples of kStride
  std::map<uint64_t, SecretBytes> key_cache_ GUARDED_BY(mu_);    // derived epoch keys
  // Their tag subkeys, as keyed hashes ready to tag with (guarded memory).
  std::map<uint64_t, KeyedBlake2b> tag_key_cache_ GUARDED_BY(mu_);
};

}  // namespace vault

#endif  // VAULT_CRYPTO_KEYRING_H_
