#include "vault/index/epoch_tag_filter.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "vault/common/encoding.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {

namespace {

constexpr size_t kBitsPerEntry = 14;
constexpr size_t kBlockBits = 512;  // one cache line
constexpr size_t kWordsPerBlock = kBlockBits / 64;
constexpr int kProbes = 7;  // about 0.3 % false positives at 14 bits per entry
constexpr size_t kMinCapacity = 256;

// A tag is a keyed hash: its bytes are already uniform, so they are the
// filter's hash. h1 picks the block, h2 the bits in it (9 bits per probe,
// 63 of its 64).
std::pair<uint64_t, uint64_t> Hashes(std::string_view tag) {
  uint64_t h[2];
  std::memcpy(h, tag.data(), sizeof h);  // any fixed order of the bytes will do
  return {h[0], h[1]};
}

// A block in [0, blocks) from 32 uniform bits, without a division.
size_t Block(uint64_t h1, size_t blocks) {
  return static_cast<size_t>(((h1 & 0xffffffffu) * blocks) >> 32);
}

}  // namespace

EpochTagFilter::Chunk::Chunk(size_t cap)
    : capacity(std::max(cap, kMinCapacity)),
      words(((capacity * kBitsPerEntry + kBlockBits - 1) / kBlockBits) * kWordsPerBlock, 0) {}

size_t EpochTagFilter::Chunk::BlockStart(uint64_t h1) const {
  return Block(h1, words.size() / kWordsPerBlock) * kWordsPerBlock;
}

const uint64_t* EpochTagFilter::Chunk::BlockOf(uint64_t h1) const {
  return &words[BlockStart(h1)];
}

void EpochTagFilter::Chunk::Add(uint64_t h1, uint64_t h2) {
  uint64_t* block = &words[BlockStart(h1)];
  for (int i = 0; i < kProbes; ++i) {
    const unsigned bit = (h2 >> (9 * i)) & (kBlockBits - 1);
    block[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  ++count;
}

bool EpochTagFilter::Chunk::MayContain(uint64_t h1, uint64_t h2) const {
  const uint64_t* block = BlockOf(h1);
  for (int i = 0; i < kProbes; ++i) {
    const unsigned bit = (h2 >> (9 * i)) & (kBlockBits - 1);
    if ((block[bit / 64] & (uint64_t{1} << (bit % 64))) == 0) return false;
  }
  return true;
}

size_t EpochTagFilter::Epoch::entries() const {
  size_t n = 0;
  for (const Chunk& c : chunks) n += c.count;
  return n;
}

EpochTagFilter::Epoch& EpochTagFilter::EpochLocked(uint64_t epoch) {
  auto it = epochs_.find(epoch);
  if (it == epochs_.end()) it = epochs_.emplace(epoch, Epoch{}).first;
  Epoch& e = it->second;
  if (e.chunks.empty()) {
    // Size a new epoch's first filter like the epoch before it (an epoch
    // fills during about one epoch's time, as the one before it did).
    size_t capacity = it != epochs_.begin() ? std::prev(it)->second.entries() : 0;
    e.chunks.emplace_back(capacity + capacity / 4);
  }
  return e;
}

void EpochTagFilter::AddLocked(Epoch& e, uint64_t h1, uint64_t h2) {
  if (e.chunks.back().count >= e.chunks.back().capacity) {
    // A full epoch's next filter as large as all it holds, so the filters
    // per epoch stay few as it grows.
    const size_t capacity = e.entries();
    e.chunks.emplace_back(capacity + capacity / 4);
  }
  e.chunks.back().Add(h1, h2);
}

void EpochTagFilter::Add(uint64_t epoch, std::string_view tag) {
  if (tag.size() != kVisitorTagBytes) return;  // not an index tag: nothing to note
  const auto [h1, h2] = Hashes(tag);
  MutexLock l(&mu_);
  AddLocked(EpochLocked(epoch), h1, h2);
}

void EpochTagFilter::AddAll(uint64_t epoch, std::span<const std::string> tags) {
  MutexLock l(&mu_);
  Epoch& e = EpochLocked(epoch);
  for (const std::string& tag : tags) {
    if (tag.size() != kVisitorTagBytes) continue;
    const auto [h1, h2] = Hashes(tag);
    AddLocked(e, h1, h2);
  }
}

std::optional<EpochTagFilter::Span> EpochTagFilter::EpochsFrom(uint64_t from) const {
  if (!ready()) return std::nullopt;
  MutexLock l(&mu_);
  Span span;
  auto it = epochs_.lower_bound(from);
  if (it == epochs_.end()) return span;
  span.any = true;
  span.first = it->first;
  span.last = epochs_.rbegin()->first;
  return span;
}

std::vector<bool> EpochTagFilter::MayContain(
    const std::vector<std::pair<uint64_t, std::string_view>>& wanted) const {
  std::vector<bool> out(wanted.size(), true);
  if (!ready()) return out;
  MutexLock l(&mu_);
  // First each probe's epoch, and a prefetch of its block in the epoch's
  // first filter, so that the cache misses of many probes overlap; then
  // the answers. Callers ask for runs of the same or consecutive epochs:
  // step to the next one instead of looking each up.
  std::vector<const Epoch*> epoch_of(wanted.size(), nullptr);
  auto it = epochs_.end();
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [epoch, tag] = wanted[i];
    if (tag.size() != kVisitorTagBytes) continue;
    if (it == epochs_.end() || it->first != epoch) {
      const auto next = it == epochs_.end() ? it : std::next(it);
      it = next != epochs_.end() && next->first == epoch ? next : epochs_.find(epoch);
    }
    if (it == epochs_.end()) {
      out[i] = false;
      continue;
    }
    epoch_of[i] = &it->second;
    if (!it->second.chunks.empty()) {
      __builtin_prefetch(it->second.chunks.front().BlockOf(Hashes(tag).first));
    }
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (epoch_of[i] == nullptr) continue;
    const auto [h1, h2] = Hashes(wanted[i].second);
    bool maybe = false;
    for (const Chunk& c : epoch_of[i]->chunks) {
      if (c.MayContain(h1, h2)) {
        maybe = true;
        break;
      }
    }
    out[i] = maybe;
  }
  return out;
}

Status EpochTagFilter::Build(const Store& store, uint64_t from_epoch,
                             const std::atomic<bool>& stop) {
  // The keys come in epoch order: gather one epoch's hashes, then give the
  // epoch one filter sized for exactly them.
  uint64_t current = 0;
  std::vector<std::pair<uint64_t, uint64_t>> pending;
  auto flush = [&] {
    if (pending.empty()) return;
    Chunk chunk(pending.size());
    for (const auto& [h1, h2] : pending) chunk.Add(h1, h2);
    chunk.capacity = chunk.count;  // full: entries added later start another
    MutexLock l(&mu_);
    Epoch& e = epochs_[current];
    e.chunks.insert(e.chunks.begin(), std::move(chunk));
    pending.clear();
  };
  Status scanned = store.ScanRange(
      Column::kVisitorIndex, VisitorIndexPrefix(from_epoch, ""), kHeldIndexSpace,
      [&](std::string_view key, std::string_view) {
        if (stop.load(std::memory_order_relaxed)) return false;
        if (key.size() != kVisitorIndexKeyBytes) return true;  // the shredder counts these
        const uint64_t epoch = GetU64(key.data());
        if (epoch != current) {
          flush();
          current = epoch;
        }
        pending.push_back(Hashes(key.substr(8, kVisitorTagBytes)));
        return true;
      });
  VAULT_RETURN_IF_ERROR(scanned);
  if (stop.load(std::memory_order_relaxed)) return Status::OK();
  flush();
  ready_.store(true, std::memory_order_release);
  return Status::OK();
}

void EpochTagFilter::DropBefore(uint64_t epoch) {
  MutexLock l(&mu_);
  epochs_.erase(epochs_.begin(), epochs_.lower_bound(epoch));
}

EpochTagFilter::Size EpochTagFilter::size() const {
  MutexLock l(&mu_);
  Size s;
  s.epochs = epochs_.size();
  for (const auto& [epoch, e] : epochs_) {
    for (const Chunk& c : e.chunks) {
      s.entries += c.count;
      s.bytes += c.words.size() * sizeof(uint64_t);
    }
  }
  return s;
}

}  // namespace vault
