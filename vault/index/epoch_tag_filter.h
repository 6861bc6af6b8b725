// EpochTagFilter: which (epoch, tag) prefixes the visitor index may hold,
// in memory, so that a lookup seeks only the few epochs where one of the
// visitor's tags may be (docs/design.md, section 24.3).
//
// A lookup computes an identifier's tag in every live epoch (721 of them
// with the default hour and 30 days) and, without this filter, seeks every
// one of those prefixes in RocksDB, about 3 us each even when the column's
// own prefix Bloom filter refuses it. This filter answers the same question
// from memory in tens of nanoseconds: one blocked Bloom filter per epoch
// over the tags of its entries (14 bits per entry, about 0.3 % false
// positives), filled from a scan of the column at start-up (Build, on a
// thread of its own) and by every entry staged since (Add). Until Build has
// finished, every prefix may be present, so lookups seek everything: the
// filter only ever saves work, never hides an entry.
//
// It is never written to disk. Its bits are functions of tags, which are
// keyed by the epochs' tag keys; an epoch's filter is dropped once its key
// is destroyed (DropBefore).
//
// Thread safety: every method may be called concurrently.
#ifndef VAULT_INDEX_EPOCH_TAG_FILTER_H_
#define VAULT_INDEX_EPOCH_TAG_FILTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/common/thread_annotations.h"
#include "vault/status.h"

namespace vault {

class Store;

class EpochTagFilter {
 public:
  EpochTagFilter() = default;
  EpochTagFilter(const EpochTagFilter&) = delete;
  EpochTagFilter& operator=(const EpochTagFilter&) = delete;

  // Notes that `epoch` may hold an entry with `tag` (a 16-byte tag). Called
  // for every entry before the batch that writes it commits, from the
  // filter's construction on, whether or not Build has finished.
  void Add(uint64_t epoch, std::string_view tag);
  // Add for each of `tags`, under one lock.
  void AddAll(uint64_t epoch, std::span<const std::string> tags);

  // For each (epoch, tag) of `wanted`: false only if no entry of that epoch
  // has that tag (certain); true if one may. All true until Build finishes.
  std::vector<bool> MayContain(const std::vector<std::pair<uint64_t, std::string_view>>& wanted)
      const;

  // Fills the filter from every epoch entry in `store`'s visitor index from
  // `from_epoch` on (the keyring's base), then marks it ready. Stops early,
  // not ready, with OK when `stop` becomes true. Entries written while it
  // scans are covered by Add.
  Status Build(const Store& store, uint64_t from_epoch, const std::atomic<bool>& stop);
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Once built: the first and last epoch from `from` on that may hold an
  // entry (every epoch holding one lies between them), or `any` false if
  // none may. Before Build has finished: nullopt (ask the store).
  struct Span {
    bool any = false;
    uint64_t first = 0;
    uint64_t last = 0;
  };
  std::optional<Span> EpochsFrom(uint64_t from) const;

  // Forgets the epochs before `epoch` (their keys are destroyed).
  void DropBefore(uint64_t epoch);

  // Epochs and bytes of filter held (for tests and the benchmark).
  struct Size {
    size_t epochs = 0;
    size_t entries = 0;
    size_t bytes = 0;
  };
  Size size() const;

 private:
  // One blocked Bloom filter: 64-byte blocks, 14 bits per entry it was
  // sized for; an epoch that outgrows it gets another, larger one.
  struct Chunk {
    explicit Chunk(size_t capacity);
    void Add(uint64_t h1, uint64_t h2);
    bool MayContain(uint64_t h1, uint64_t h2) const;
    const uint64_t* BlockOf(uint64_t h1) const;
    size_t BlockStart(uint64_t h1) const;  // index of h1's block in `words`
    size_t capacity;
    size_t count = 0;
    std::vector<uint64_t> words;  // 8 per block
  };
  struct Epoch {
    std::vector<Chunk> chunks;
    size_t entries() const;
  };
  // The epoch's filters, made if it has none yet.
  Epoch& EpochLocked(uint64_t epoch) REQUIRES(mu_);
  void AddLocked(Epoch& e, uint64_t h1, uint64_t h2) REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<uint64_t, Epoch> epochs_ GUARDED_BY(mu_);
  std::atomic<bool> ready_{false};
};

}  // namespace vault

#endif  // VAULT_INDEX_EPOCH_TAG_FILTER_H_
