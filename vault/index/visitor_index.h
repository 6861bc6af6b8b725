// VisitorIndex: finds a visitor's transcripts by identifier without keeping
// an identifier, or anything that outlives its transcript, on disk
// (docs/design.md, "The visitor index"; format: docs/formats/visitor-index.md).
//
// Each indexed identifier of a transcript is one entry in the store's
// visitor_index column: epoch | tag | id, where the tag is a keyed hash of
// the normalised identifier under a key derived from the key of the epoch
// the transcript's DEK is wrapped under. When the DEK is wrapped again under
// another epoch the entries move with it, in the same write batch; when the
// epoch's key is destroyed, nothing can recompute or test its tags any more,
// so its entries link nothing, and the shredder deletes them.
//
// A transcript on legal hold has no epoch-wrapped key: while it is held its
// entries are in its case's key space instead, 0xFF x 8 | case prefix | tag
// | id, tagged under the case's index key (CaseIndexKey), which lives as
// long as the case and is deleted at its release. The vault moves them in
// the batches that place and release the hold.
//
// Thread safety: const methods, safe to call concurrently (the keyring and
// the store are).
#ifndef VAULT_INDEX_VISITOR_INDEX_H_
#define VAULT_INDEX_VISITOR_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/index/identifiers.h"
#include "vault/status.h"

namespace vault {

class CaseIndexKey;
class EpochTagFilter;
class Keyring;
class Store;
class VisitorPresence;
class WriteBatch;

class VisitorIndex {
 public:
  // `keyring`, `store`, `filter` and `presence` must outlive the index.
  // With a filter (vault/index/epoch_tag_filter.h), StageAdd notes every
  // entry in it and Find seeks only the prefixes it may hold; without one,
  // Find seeks every prefix. With a presence table
  // (vault/index/visitor_presence.h), StageAdd notes every transcript's
  // identifiers and epoch in it.
  VisitorIndex(Keyring* keyring, Store* store, EpochTagFilter* filter = nullptr,
               VisitorPresence* presence = nullptr)
      : keyring_(keyring), store_(store), filter_(filter), presence_(presence) {}

  // Adds to `batch` an entry under `epoch` for each of `ids`, whose value
  // is the tag of `service` under the same key (ServiceTag).
  Status StageAdd(uint64_t epoch, std::string_view raw_id, std::string_view service,
                  const std::vector<Identifier>& ids, WriteBatch* batch) const;
  // Adds to `batch` the deletion of those entries. Entries of a destroyed
  // epoch cannot be named any more (their tags cannot be computed): they
  // are left to the shredder's purge, and this succeeds.
  Status StageRemove(uint64_t epoch, std::string_view raw_id, const std::vector<Identifier>& ids,
                     WriteBatch* batch) const;

  // The tag of a service name in `epoch`: an entry's value, so a lookup
  // keeps to one service without opening any transcript.
  StatusOr<std::string> ServiceTag(uint64_t epoch, std::string_view service) const;

  // Held entries: adds to `batch` an entry in the key space of the case
  // whose index key is `key` for each of `ids`, valued with the tag of
  // `service` under that key.
  void StageAddHeld(const CaseIndexKey& key, std::string_view raw_id, std::string_view service,
                    const std::vector<Identifier>& ids, WriteBatch* batch) const;
  // Adds to `batch` the deletion of those entries.
  void StageRemoveHeld(const CaseIndexKey& key, std::string_view raw_id,
                       const std::vector<Identifier>& ids, WriteBatch* batch) const;
  // Adds to `batch` one range deletion of the case's whole key space, so
  // nothing of it is left, not even an entry that no visitor record names.
  void StageDropCase(const CaseIndexKey& key, WriteBatch* batch) const;

  struct Match {
    std::string raw_id;
    IdentifierKind kind;
    uint64_t epoch = 0;  // an epoch's entry: its epoch; a held entry: 0
    std::string service_tag;
    // A held entry: the index key of the case whose key space holds it.
    std::shared_ptr<const CaseIndexKey> case_key;
    bool held() const { return case_key != nullptr; }
  };
  // Whether match `m` is of a transcript of `service` (its entry's value is
  // the service's tag under the entry's key, an epoch's or a case's).
  // Computes no more than one tag.
  StatusOr<bool> InService(const Match& m, std::string_view service) const;

  using CaseKeys = std::vector<std::shared_ptr<const CaseIndexKey>>;
  // Every live entry for any of `ids`, in every epoch from the first live
  // epoch (keyring's base or later) holding an entry to the last epoch
  // holding one (the filter's epochs once it is built; the store's first
  // and last keys before), then in the key space of each of `cases` (the open cases'
  // index keys): one match per transcript and identifier, in the order of
  // `ids`, then epoch, then case. The epochs' prefixes that the filter may
  // hold (all of them without a filter, or before it is built) are sought
  // in one sorted forward pass.
  // ResourceExhausted (too_many_matches) past `max_matches`.
  StatusOr<std::vector<Match>> Find(const std::vector<Identifier>& ids, size_t max_matches,
                                    const CaseKeys& cases = {}) const;
  // Only the held entries: those in the key spaces of `cases`, no epoch's
  // (one tag per identifier and case).
  StatusOr<std::vector<Match>> FindHeld(const std::vector<Identifier>& ids, size_t max_matches,
                                        const CaseKeys& cases) const;

 private:
  StatusOr<std::vector<Match>> FindIn(const std::vector<Identifier>& ids, size_t max_matches,
                                      const CaseKeys& cases, bool epochs) const;

  Keyring* const keyring_;
  Store* const store_;
  EpochTagFilter* const filter_;
  VisitorPresence* const presence_;
};

}  // namespace vault

#endif  // VAULT_INDEX_VISITOR_INDEX_H_
